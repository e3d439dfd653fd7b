// `tracehop spans`: the spans of a file grouped by trace, each trace printed as a tree.
import { hex16ToDecimal, ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { printable, TERMINAL_CONTROLS } from "./report.js";
import type { FileSpan } from "./spans-file.js";

/**
 * The spans of one trace, when its first span started and when its last span ended (nanoseconds since
 * the Unix epoch), and its place in the file (`order`: 0 for the trace read first).
 */
export interface FileTrace {
  traceId: string;
  spans: FileSpan[];
  startNanos: bigint;
  endNanos: bigint;
  order: number;
}

/**
 * `spans` grouped by trace id, the traces in the order of their first span's start (a trace that starts
 * at the same time as another: the one read first first).
 */
export function groupTraces(spans: readonly FileSpan[]): FileTrace[] {
  const traces = new Map<string, FileTrace>();
  for (const span of spans) {
    const trace = traces.get(span.traceId);
    if (trace === undefined)
      traces.set(span.traceId, {
        traceId: span.traceId,
        spans: [span],
        startNanos: span.startNanos,
        endNanos: span.endNanos,
        order: traces.size,
      });
    else {
      trace.spans.push(span);
      if (span.startNanos < trace.startNanos) trace.startNanos = span.startNanos;
      if (span.endNanos > trace.endNanos) trace.endNanos = span.endNanos;
    }
  }
  // Array.prototype.sort is stable: equal starts keep the order they were read in.
  return [...traces.values()].sort((a, b) =>
    a.startNanos < b.startNanos ? -1 : a.startNanos > b.startNanos ? 1 : 0,
  );
}

/**
 * The `last` traces of `traces` (in the order of {@link groupTraces}) that were active last: those whose
 * last span ended last (equal ends: the one read later), in the order of `traces`. By the end, not the
 * start: a trace that crosses processes goes on after traces that started later have ended (`npm start`'s
 * job, continued by its worker while the client's status polls, a trace each, come and go), and is among
 * the latest as long as one of its spans is. All of them when `last` is not below their number.
 */
export function lastActiveTraces(traces: readonly FileTrace[], last: number): FileTrace[] {
  if (last >= traces.length) return [...traces];
  const byEnd = [...traces].sort((a, b) =>
    a.endNanos < b.endNanos ? -1 : a.endNanos > b.endNanos ? 1 : a.order - b.order,
  );
  const kept = new Set(byEnd.slice(byEnd.length - last));
  return traces.filter((trace) => kept.has(trace));
}

/**
 * The Datadog form of a 128-bit W3C trace id (32 hex digits): its lower 64 bits in decimal, the id
 * Datadog's `x-datadog-trace-id` carries and its UI searches, and its upper 64 bits in hex, the
 * `_dd.p.tid` tag (`undefined` when they are zero: a 64-bit id). Datadog behaviour: a 128-bit trace id
 * travels as `x-datadog-trace-id` (lower half) and `_dd.p.tid` (upper half), as dd-trace-js
 * `_extract128BitTraceId` reads them (docs/export.md, "How a 128-bit trace id reaches Datadog"). Never
 * through a JS number (DataDog/dd-trace-js#344).
 */
export function datadogTraceId(traceId: string): { decimal: string; tid: string | undefined } {
  const tid = traceId.slice(0, 16);
  return {
    decimal: hex16ToDecimal(traceId.slice(16)),
    tid: tid === ZERO_HEX16 ? undefined : tid,
  };
}

/** The OTLP span kinds' names, by number (OTLP `Span.SpanKind`). */
const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];

/**
 * The attributes a tree line shows, in this order, when a span has them: the messaging semantic
 * conventions' system, destination, operation and message id, tracehop's restore attributes, and what
 * says how an HTTP call or a failure went.
 */
export const SHOWN_ATTRIBUTES = [
  "messaging.system",
  "messaging.destination.name",
  "messaging.operation.type",
  "messaging.message.id",
  "messaging.batch.message_count",
  "tracehop.relation",
  "tracehop.attempt",
  "tracehop.run",
  "tracehop.queue.wait",
  "http.route",
  "http.response.status_code",
  "error.type",
] as const;

/**
 * Text of the file (a service, a span name) as a tree line shows it: as it is when it is words with one
 * space between them (`POST /jobs`), else as a JSON string with every terminal control escaped too
 * ({@link printable}): a control character, a backslash, a quote or two spaces in a row (which would read
 * as the line's own separators) can then never be mistaken for what the line says, nor act on the
 * terminal. `bareAlso`: a pattern of characters that also make it quoted (`=` in an attribute's value).
 */
function shownText(text: string, bareAlso?: RegExp): string {
  TERMINAL_CONTROLS.lastIndex = 0;
  return /^[^\s"\\]+(?: [^\s"\\]+)*$/.test(text) &&
    !TERMINAL_CONTROLS.test(text) &&
    (bareAlso === undefined || !bareAlso.test(text))
    ? text
    : printable(JSON.stringify(text));
}

/** An attribute value or status message as a tree line shows it: bare when it is one word, else quoted ({@link shownText}). */
function shownValue(value: string): string {
  return shownText(value, /[\s=]/);
}

/**
 * The deepest nesting shown by indentation (two spaces a level); a span deeper down (a chain of thousands
 * of parents) is indented as deep as this and its depth written before its name, `[depth 4999] name`, so
 * that a line stays short and the output grows with the spans, not with their square.
 */
export const MAX_INDENT_DEPTH = 32;

/** `name` indented two spaces for each level of `depth`, up to {@link MAX_INDENT_DEPTH}. */
function indented(name: string, depth: number): string {
  return depth <= MAX_INDENT_DEPTH
    ? `${"  ".repeat(depth)}${name}`
    : `${"  ".repeat(MAX_INDENT_DEPTH)}[depth ${depth}] ${name}`;
}

/** A duration in nanoseconds as milliseconds with one decimal: `752.2 ms`. */
function millis(nanos: bigint): string {
  return `${(Number(nanos) / 1e6).toFixed(1)} ms`;
}

/**
 * The lines of one trace: a header (`trace <hex> (W3C)  =  <decimal> (Datadog[, _dd.p.tid=<hex>])  <n>
 * spans  <start, ISO 8601 UTC>`), then a line per span, children under their parent in start order (indented up to {@link MAX_INDENT_DEPTH} levels, deeper ones with their depth written):
 * `<service>  <indent><name>  <kind>  <duration>` and, when present, `ERROR` with the status message,
 * the attributes of {@link SHOWN_ATTRIBUTES}, the links (`link <trace>/<span>`, `(this trace)` when it is
 * one), and `parent <id> not in this file` for a span whose parent the file does not hold (a span restored
 * from a carrier written by a process that writes elsewhere). Text from the file is shown as it is when
 * it is plain words, else quoted as JSON with the terminal controls escaped ({@link shownText}). A span id
 * read again in the trace (a file appended to itself) is shown and counted once, the span read first, and
 * the header ends with `<n> duplicate spans (a span id read again), each shown once`; spans whose parents
 * loop (a cycle, no root above it) are shown once, from the cycle's span that started first (equal starts:
 * the one read first), that line ending with `cycle: parent <id> is below it` or `cycle: its own parent`.
 * Never loops; time and memory grow with the spans (docs/export.md, "Reading the spans file").
 */
export function formatTrace(trace: FileTrace): string[] {
  // A span id read again (a file appended to itself, a batch written twice): the span first read, once.
  const byId = new Map<string, FileSpan>();
  for (const s of trace.spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const duplicates = trace.spans.length - byId.size;
  const spans = [...byId.values()];
  const children = new Map<string | undefined, FileSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanId !== undefined && byId.has(s.parentSpanId) ? s.parentSpanId : undefined;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [s]);
    else list.push(s);
  }
  for (const list of children.values())
    list.sort((a, b) => (a.startNanos < b.startNanos ? -1 : a.startNanos > b.startNanos ? 1 : 0));
  // A loop, not Math.max(...): a spread of hundreds of thousands of arguments overflows the stack.
  let width = 0;
  for (const s of spans) width = Math.max(width, shownText(s.service).length);
  const { decimal, tid } = datadogTraceId(trace.traceId);
  const start = new Date(Number(trace.startNanos / 1_000_000n)).toISOString();
  const lines = [
    `trace ${trace.traceId} (W3C)  =  ${decimal} (Datadog${tid === undefined ? "" : `, _dd.p.tid=${tid}`})  ` +
      `${spans.length} span${spans.length === 1 ? "" : "s"}  ${start}` +
      (duplicates === 0
        ? ""
        : `  ${duplicates} duplicate span${duplicates === 1 ? "" : "s"} (a span id read again), each shown once`),
  ];
  const seen = new Set<string>();
  // Depth first, with a stack of its own: a chain of tens of thousands of parents (one span per hop of a
  // long loop) would overflow the call stack of a recursive walk.
  const walk = (roots: readonly FileSpan[]) => {
    const stack: { span: FileSpan; depth: number }[] = [];
    for (let i = roots.length - 1; i >= 0; i--) stack.push({ span: roots[i]!, depth: 0 });
    for (let top; (top = stack.pop()) !== undefined;) {
      const { span: s, depth } = top;
      // A span reached again (through a cycle of parents): each line once.
      if (seen.has(s.spanId)) continue;
      seen.add(s.spanId);
      const parts = [shownText(s.service).padEnd(width), indented(shownText(s.name), depth)];
      parts.push(KINDS[s.kind] ?? `kind ${s.kind}`, millis(s.endNanos - s.startNanos));
      if (s.statusCode === 2)
        parts.push(s.statusMessage === undefined ? "ERROR" : `ERROR ${shownValue(s.statusMessage)}`);
      for (const key of SHOWN_ATTRIBUTES) {
        const value = s.attributes.get(key);
        if (value !== undefined) parts.push(`${key}=${shownValue(value)}`);
      }
      for (const link of s.links)
        parts.push(
          `link ${link.traceId}/${link.spanId}${link.traceId === trace.traceId ? " (this trace)" : ""}`,
        );
      if (depth === 0 && s.parentSpanId !== undefined)
        parts.push(
          !byId.has(s.parentSpanId)
            ? `parent ${s.parentSpanId} not in this file`
            : s.parentSpanId === s.spanId
              ? "cycle: its own parent"
              : `cycle: parent ${s.parentSpanId} is below it`,
        );
      lines.push(parts.join("  "));
      const below = children.get(s.spanId) ?? [];
      for (let i = below.length - 1; i >= 0; i--) stack.push({ span: below[i]!, depth: depth + 1 });
    }
  };
  walk(children.get(undefined) ?? []);
  // What is left hangs from a cycle of parents (a broken file; no root above it): each cycle shown from
  // its span that started first (equal starts: the one read first), said on that line, with all below it.
  // Spans in file order: each is looked at once, its parent chain followed until a span seen.
  let order: Map<FileSpan, number> | undefined;
  for (const s of spans) {
    if (seen.has(s.spanId)) continue;
    const chain = new Set<string>();
    let at = s;
    while (!chain.has(at.spanId)) {
      chain.add(at.spanId);
      at = byId.get(at.parentSpanId!)!;
    }
    // `at` is on the cycle: its members are `at` and its ancestors up to `at` again.
    order ??= new Map(spans.map((span, i) => [span, i]));
    let first = at;
    for (let member = byId.get(at.parentSpanId!)!; member !== at; member = byId.get(member.parentSpanId!)!)
      if (
        member.startNanos < first.startNanos ||
        (member.startNanos === first.startNanos && order.get(member)! < order.get(first)!)
      )
        first = member;
    walk([first]);
  }
  return lines;
}
