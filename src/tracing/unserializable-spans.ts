import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import { spanLinkProblem } from "../context/span-link.js";

/** Process warning code of a span left out of an export because it cannot be serialized. */
const SPAN_NOT_SERIALIZED_WARNING = "TRACEHOP_SPAN_NOT_SERIALIZED";

/**
 * `spans` without those holding a link that is no span link (`spanLinkProblem`, span-link.ts): the SDK
 * takes any value as a link (`tracer.startSpan(name, { links: [{}] })`); its OTLP serializer then throws on
 * a link without ids, failing the export of the whole batch, and a collector refuses a request whose ids
 * are not hex. Each one left out is said once per process ({@link warnNotSerialized}). The same array
 * when every span is fine (the usual case: one pass over the spans' links, no copy). A span sent to two
 * destinations (spans file and OTLP) is checked by each: remembering the answer per span in a WeakMap
 * cost more at the first (check ≈ 220-340 ns, with the WeakMap ≈ 350-400 ns) than it saved at the second,
 * and most processes have one destination.
 */
export function withoutMalformedLinks(spans: ReadableSpan[]): ReadableSpan[] {
  let kept: ReadableSpan[] | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const problem = malformedLink(span);
    if (problem !== undefined) {
      kept ??= spans.slice(0, i);
      warnNotSerialized(span, problem, spans.length);
    } else kept?.push(span);
  }
  return kept ?? spans;
}

/**
 * What is wrong with the first of `span`'s links that is no span link (`its link 0 is no span link: {
 * context: undefined }`), or `undefined`: an index loop, no closure per span of every export.
 */
function malformedLink(span: ReadableSpan): string | undefined {
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    const problem = spanLinkProblem(links[i]);
    if (problem !== undefined) return `its link ${i} is no span link: ${problem}`;
  }
  return undefined;
}

/**
 * The once-per-process warning of a span left out of an export because the OTLP serializer cannot read
 * it (`reason`: the serializer's error or what is wrong). Never throws.
 */
export function warnNotSerialized(span: ReadableSpan, reason: unknown, batchSize: number): void {
  try {
    warnOnce(
      "span-not-serialized",
      `tracehop: the span ${describeValue(span.name, 80)} cannot be exported as OTLP ` +
        `(${describeValue(reason instanceof Error ? reason.message : reason, 120)}) and was left out; the other ` +
        `spans of its batch of ${batchSize} were exported. A span link without a SpanContext (links: [{}]) or ` +
        `an attribute value the serializer cannot read does this: link span.spanContext(). Said once per process.`,
      SPAN_NOT_SERIALIZED_WARNING,
    );
  } catch {
    // never into the export
  }
}
