/**
 * The warning of span links the SDK's span limits dropped (`TRACEHOP_LINKS_DROPPED`): a span started
 * by a tracehop helper, or an instrumentation's span it added links to, kept fewer links than it was
 * given.
 */
import type { Span } from "@opentelemetry/api";
import { warnOnce } from "../warn-once.js";
import type { CarrierCaller } from "./carrier-in-other-field.js";

/** Process warning code of {@link warnIfLinksDropped}. */
export const LINKS_DROPPED_WARNING = "TRACEHOP_LINKS_DROPPED";

/**
 * Says once per process and `caller` (`diag.warn` and the process warning `TRACEHOP_LINKS_DROPPED`) that
 * `span`, given `given` links (its options' `links`, then those tracehop adds: one per message of a
 * batch, the span active at the call, the stored context of a `link` relation, an extraction's), kept
 * fewer: the SDK's span limits keep at most `linkCountLimit` links of a span and drop the others without
 * a word (OpenTelemetry specification, "Span Limits"; `OTEL_SPAN_LINK_COUNT_LIMIT`, default 128, which
 * a TracerProvider's `spanLimits.linkCountLimit` overrides). The limit in force is what the span kept:
 * the message names it (not the default, which another setting may have changed), and the value to
 * raise it to. The OpenTelemetry JS SDK drops the earliest links (`Span.addLink` shifts the oldest out,
 * @opentelemetry/sdk-trace 2.x): `options.links` first, then a batch's first messages.
 *
 * Read from the SDK span's `droppedLinksCount` (`ReadableSpan`, which counts the links over the limit
 * at creation and on `addLink`); `droppedBefore`: its count before the links of this call were added
 * (an instrumentation's span that `withProcessSpan` adds links to, which may have dropped some of its
 * own). A span without that count (a non-recording span, another SDK) says nothing. Never throws.
 */
export function warnIfLinksDropped(
  span: Span,
  given: number,
  caller: CarrierCaller,
  droppedBefore = 0,
): void {
  try {
    const count = (span as { droppedLinksCount?: unknown }).droppedLinksCount;
    if (typeof count !== "number") return;
    const dropped = count - droppedBefore;
    if (!(dropped > 0) || dropped > given) return;
    const kept = given - dropped;
    const batch = caller === "withBatch" || caller === "withBatchProcessSpan";
    const limit =
      `the SDK's span link limit here is ${kept}, and it dropped ${dropped} (the OpenTelemetry SDK drops ` +
      `the earliest: options.links first${batch ? ", then the first messages'), so those messages are not linked to the batch span" : ")"}. `;
    const setting =
      `(OTEL_SPAN_LINK_COUNT_LIMIT=${given}, or spanLimits: { linkCountLimit: ${given} } of your ` +
      `TracerProvider, which wins over the variable)`;
    warnOnce(
      `${caller}-links-dropped`,
      batch
        ? `tracehop ${caller}: the batch span keeps ${kept} of its ${given} links: ${limit}Raise the limit to ` +
            `at least your largest batch ${setting}, or start a batch span per at most ${kept} messages. ` +
            `Said once per process for this helper.`
        : `tracehop ${caller}: its span keeps ${kept} of its ${given} links: ${limit}Raise the limit to at ` +
            `least ${given} ${setting}, or pass fewer links. Said once per process for this helper.`,
      LINKS_DROPPED_WARNING,
    );
  } catch {
    // A hostile span: nothing to say.
  }
}

/**
 * The number of links `span` holds now (the SDK span's `links`) and of those it dropped
 * (`droppedLinksCount`), for {@link warnIfLinksDropped} after links are added to a started span;
 * `undefined` for a span that tells neither (a non-recording span, another SDK). Never throws.
 */
export function linkCounts(span: Span): { kept: number; dropped: number } | undefined {
  try {
    const { links, droppedLinksCount } = span as { links?: unknown; droppedLinksCount?: unknown };
    return Array.isArray(links) && typeof droppedLinksCount === "number"
      ? { kept: links.length, dropped: droppedLinksCount }
      : undefined;
  } catch {
    return undefined;
  }
}
