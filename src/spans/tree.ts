// The spans of a spans file grouped by trace, and a trace printed as an indented tree.
import { describeValue, escapeUnprintable, TERMINAL_CONTROLS } from "../describe-value.js";
import { hex16ToDecimal, ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { assertKnownOptions } from "../known-options.js";
import type { FileSpan, FileSpanAttributeValue } from "./read.js";

/**
 * The spans of one trace, when its first span started and when its last span ended (nanoseconds since
 * the Unix epoch), and its place among the traces read (`order`: 0 for the trace read first).
 */
export interface FileTrace {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** Its spans, in the order read. */
  spans: FileSpan[];
  /** When its first span started, in nanoseconds since the Unix epoch. */
  startNanos: bigint;
  /** When its last span ended, in nanoseconds since the Unix epoch. */
  endNanos: bigint;
  /** Its place among the traces read: 0 for the trace read first. */
  order: number;
  /**
   * How many of its spans were left out of `spans` for a span id read again (a file appended to itself,
   * a batch written twice): each span is kept once, as first read. 0 when none.
   */
  duplicates: number;
}

/**
 * `spans` grouped by trace id, the traces in the order of their first span's start (traces that start at
 * the same time: the one read first first). A span id read again in a trace (a file written twice over)
 * is kept once, the span read first, and counted in the trace's `duplicates`: a trace's `spans` never
 * holds a span twice. A test's "one trace across api, relay and worker" is `groupTraces(spans)` holding
 * one trace whose spans' services are those three.
 * @throws TypeError when `spans` is not an array.
 */
export function groupTraces(spans: readonly FileSpan[]): FileTrace[] {
  if (!Array.isArray(spans))
    throw new TypeError(
      `groupTraces: ${describeValue(spans)} is not an array of FileSpan (give what readSpansFile returns)`,
    );
  const traces = new Map<string, { trace: FileTrace; ids: Set<string> }>();
  for (const span of spans) {
    const entry = traces.get(span.traceId);
    if (entry === undefined)
      traces.set(span.traceId, {
        trace: {
          traceId: span.traceId,
          spans: [span],
          startNanos: span.startNanos,
          endNanos: span.endNanos,
          order: traces.size,
          duplicates: 0,
        },
        ids: new Set([span.spanId]),
      });
    else if (entry.ids.has(span.spanId)) entry.trace.duplicates++;
    else {
      const { trace } = entry;
      entry.ids.add(span.spanId);
      trace.spans.push(span);
      if (span.startNanos < trace.startNanos) trace.startNanos = span.startNanos;
      if (span.endNanos > trace.endNanos) trace.endNanos = span.endNanos;
    }
  }
  // Array.prototype.sort is stable: equal starts keep the order they were read in.
  return [...traces.values()]
    .map(({ trace }) => trace)
    .sort((a, b) => (a.startNanos < b.startNanos ? -1 : a.startNanos > b.startNanos ? 1 : 0));
}

/**
 * Internal: the `last` traces of `traces` (in the order of {@link groupTraces}) that were active last:
 * those whose last span ended last (equal ends: the one read later), in the order of `traces`. By the
 * end, not the start: a trace that crosses processes goes on after traces that started later have ended
 * (`npm start`'s job, continued by its worker while the client's status polls, a trace each, come and
 * go), and is among the latest as long as one of its spans is. All of them when `last` is not below
 * their number. `tracehop spans --last`'s choice.
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
 * The Datadog form of a 128-bit W3C trace id (32 hex digits): `decimal`, its lower 64 bits in decimal,
 * the id `x-datadog-trace-id` carries and Datadog's UI searches; `tid`, its upper 64 bits in hex, the
 * `_dd.p.tid` tag, `undefined` when they are zero (a 64-bit id). Datadog behaviour: a 128-bit trace id
 * travels as `x-datadog-trace-id` (lower half) and `_dd.p.tid` (upper half), as dd-trace-js
 * `_extract128BitTraceId` reads them (docs/export.md, "How a 128-bit trace id reaches Datadog"). Exact:
 * never through a JS number (DataDog/dd-trace-js#344).
 * @throws TypeError when `traceId` is not 32 hex digits (any case), as {@link FileSpan.traceId} is (a
 *   traceparent, 16 hex digits or a Datadog decimal is no such id), or is all zeros (W3C Trace Context
 *   §3.2.2.3: no trace).
 */
export function datadogTraceId(traceId: string): { decimal: string; tid: string | undefined } {
  checkTraceId("datadogTraceId", traceId);
  const tid = traceId.slice(0, 16).toLowerCase();
  return {
    decimal: hex16ToDecimal(traceId.slice(16).toLowerCase()),
    tid: tid === ZERO_HEX16 ? undefined : tid,
  };
}

/**
 * The line naming a trace by its two ids, `trace <32 hex> (W3C)  =  <decimal> (Datadog x-datadog-trace-id,
 * _dd.p.tid=<16 hex>)` (`, _dd.p.tid=…` left out for a 64-bit id, whose upper half is zero): the W3C
 * `trace-id` in lower case, then its Datadog form ({@link datadogTraceId}), the decimal
 * `x-datadog-trace-id` that Datadog's UI searches and the `_dd.p.tid` tag of its upper 64 bits. The one
 * spelling of this line: the header of {@link formatTraceTree} (`tracehop spans`) starts with it, and
 * `npm start` prints it above each job's tree; `tracehop spans --trace` reads it back as it is pasted,
 * whole or either half (docs/export.md, "Reading the spans file: `tracehop spans`").
 * @throws TypeError when `traceId` is not 32 hex digits (any case) or is all zeros, as {@link datadogTraceId}.
 */
export function traceIdLine(traceId: string): string {
  checkTraceId("traceIdLine", traceId);
  const { decimal, tid } = datadogTraceId(traceId);
  return (
    `trace ${traceId.toLowerCase()} (W3C)  =  ${decimal} ` +
    `(Datadog x-datadog-trace-id${tid === undefined ? "" : `, _dd.p.tid=${tid}`})`
  );
}

/** A W3C trace id's text, in any case (W3C Trace Context §3.2.2.3). */
const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/**
 * Throws the TypeError of `fn` (its name leads the message) unless `traceId` is a valid W3C trace id: 32
 * hex digits in any case, not all zeros (W3C Trace Context §3.2.2.3: the all-zero id is invalid; the
 * spans reader skips such spans and `tracehop spans --trace` refuses it).
 */
function checkTraceId(fn: string, traceId: unknown): asserts traceId is string {
  if (typeof traceId !== "string" || !TRACE_ID.test(traceId))
    throw new TypeError(
      `${fn}: ${describeValue(traceId, 60)} is not a trace id of 32 hex digits (a FileSpan's traceId; ` +
        "of a traceparent, give its second field)",
    );
  if (/^0+$/.test(traceId))
    throw new TypeError(
      `${fn}: "${traceId}" is all zeros, which names no trace (W3C Trace Context §3.2.2.3): give a ` +
        "FileSpan's traceId",
    );
}

/** The OTLP span kinds' names, by number (OTLP `Span.SpanKind`). */
const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];

/**
 * The attributes a detailed tree line shows, in this order, when a span has them: the messaging semantic
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
 * space between them (`POST /jobs`), else as a JSON string with every terminal control escaped too: a
 * control character, a backslash, a quote or two spaces in a row (which would read as the line's own
 * separators) can then never be mistaken for what the line says, nor act on the terminal. `bareAlso`: a
 * pattern of characters that also make it quoted (`=` in an attribute's value).
 */
function shownText(text: string, bareAlso?: RegExp): string {
  TERMINAL_CONTROLS.lastIndex = 0;
  return /^[^\s"\\]+(?: [^\s"\\]+)*$/.test(text) &&
    !TERMINAL_CONTROLS.test(text) &&
    (bareAlso === undefined || !bareAlso.test(text))
    ? text
    : escapeUnprintable(JSON.stringify(text), TERMINAL_CONTROLS);
}

/** An attribute value or status message as a tree line shows it: bare when it is one word, else quoted. */
function shownValue(value: string): string {
  return shownText(value, /[\s=]/);
}

/**
 * An attribute value as text: a string as it is, numbers, bigints and booleans written, bytes in base64
 * (as OTLP/JSON holds them), arrays and maps as JSON of their items' text, null as nothing.
 */
export function attributeText(value: FileSpanAttributeValue): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return JSON.stringify(value.map(attributeText));
  if (typeof value === "object")
    return JSON.stringify(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, attributeText(v)])));
  return String(value);
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

/** How {@link formatTraceTree} writes a trace; every field optional. */
export interface FormatTraceTreeOptions {
  /**
   * A first line naming the trace: {@link traceIdLine}'s, `trace <hex> (W3C)  =  <decimal> (Datadog
   * x-datadog-trace-id[, _dd.p.tid=<hex>])`, then `  <n> spans  <start, ISO 8601 UTC>`, then `<n> duplicate spans (a span id read again), each shown once`
   * when there are some. Default true.
   */
  header?: boolean | undefined;
  /**
   * After each span's duration: its kind before it, and `ERROR` with the status message, the attributes
   * of messaging, restore, HTTP and errors that `tracehop spans` shows (docs/export.md, "Reading the spans
   * file: `tracehop spans`"), its links, and on a root `parent <id> not in this file` or its cycle's
   * note (`cycle: parent <id> is below it`, `cycle: its own parent`). Default true; false: the
   * short lines `<service>  <indent><name>  <duration>`.
   */
  details?: boolean | undefined;
}

/**
 * Internal: the lines of the spans of one trace (the CLI's `tracehop spans` writes them), as
 * {@link formatTraceTree} says. Never loops; time and memory grow with the spans.
 */
export function traceTreeLines(trace: FileTrace, options: FormatTraceTreeOptions = {}): string[] {
  const { header = true, details = true } = options;
  // A span id read again (a file appended to itself, a batch written twice): the span first read, once.
  const byId = new Map<string, FileSpan>();
  for (const s of trace.spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const duplicates = (trace.duplicates ?? 0) + trace.spans.length - byId.size;
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
  const lines: string[] = [];
  if (header) {
    const start = new Date(Number(trace.startNanos / 1_000_000n)).toISOString();
    lines.push(
      `${traceIdLine(trace.traceId)}  ` +
        `${spans.length} span${spans.length === 1 ? "" : "s"}  ${start}` +
        (duplicates === 0
          ? ""
          : `  ${duplicates} duplicate span${duplicates === 1 ? "" : "s"} (a span id read again), each shown once`),
    );
  }
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
      if (!details) parts.push(millis(s.endNanos - s.startNanos));
      else {
        parts.push(KINDS[s.kind] ?? `kind ${s.kind}`, millis(s.endNanos - s.startNanos));
        if (s.statusCode === 2)
          parts.push(s.statusMessage === undefined ? "ERROR" : `ERROR ${shownValue(s.statusMessage)}`);
        for (const key of SHOWN_ATTRIBUTES) {
          const value = s.attributes[key];
          if (value !== undefined) parts.push(`${key}=${shownValue(attributeText(value))}`);
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
      }
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

/**
 * The spans of one trace (`FileTrace` of {@link groupTraces}, or its spans) as an indented tree, one line a
 * span, children under their parent in start order: `<service>  <indent><name>  <kind>  <duration in ms,
 * one decimal>` and its details ({@link FormatTraceTreeOptions}), after a header line naming the trace in
 * its W3C and Datadog forms ({@link datadogTraceId}). A span whose parent is not among them is a root
 * (`parent <id> not in this file`). A span id read again (a file appended to itself: the trace's
 * `duplicates` and any repeat among `spans`) is shown and counted once, the span read first, and the
 * header ends with `<n> duplicate spans (a span id read again), each shown once`. Spans whose parents loop
 * (a cycle, no root above it) are shown once, from the cycle's span that started first (equal starts: the
 * one read first), that line ending with `cycle: parent <id> is below it` or `cycle: its own parent`.
 * Never loops; time and memory grow with the spans. Indentation is two spaces a level up to 32 levels, deeper levels written `[depth N]`.
 * Text from the file is shown as it is when it is plain words, else quoted as JSON with control
 * characters escaped: it can neither pass for the line's own separators nor act on a terminal. The same
 * lines as `npx tracehop spans` (docs/export.md, "Reading the spans file: `tracehop spans`").
 * Spans of several traces: give each of {@link groupTraces} in turn (the header names the first's id).
 * @returns the lines joined with `\n`, no line end after the last; `""` for no spans.
 * @throws TypeError when `trace` is neither a {@link FileTrace} nor an array; when `options` is not a
 *   plain object, names an option it does not have (`tracehop formatTraceTree: there is no option
 *   "heder"; did you mean header?`, as every tracehop entry point says it), or gives `header` or
 *   `details` a value that is not a boolean (quoted as given: `got "no"`).
 */
export function formatTraceTree(
  trace: FileTrace | readonly FileSpan[],
  options: FormatTraceTreeOptions = {},
): string {
  const given: unknown = trace;
  const isTrace =
    typeof given === "object" && given !== null && Array.isArray((given as { spans?: unknown }).spans);
  if (!Array.isArray(given) && !isTrace)
    throw new TypeError(
      `formatTraceTree: ${describeValue(trace)} is neither a trace of groupTraces nor an array of FileSpan`,
    );
  assertKnownOptions(options, TREE_OPTION_NAMES, "tracehop formatTraceTree");
  for (const name of TREE_OPTION_NAMES) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== "boolean")
      throw new TypeError(
        `tracehop formatTraceTree: ${name} must be true or false, got ${describeValue(value)}`,
      );
  }
  if (Array.isArray(trace)) {
    const spans = trace as readonly FileSpan[];
    if (spans.length === 0) return "";
    trace = wholeTrace(spans);
  }
  return traceTreeLines(trace as FileTrace, options).join("\n");
}

/** The names of {@link FormatTraceTreeOptions}, as a misspelt one is told ("did you mean"). */
const TREE_OPTION_NAMES = ["header", "details"] as const;

/** `spans` as one {@link FileTrace}, named by the first span's trace. */
function wholeTrace(spans: readonly FileSpan[]): FileTrace {
  let startNanos = spans[0]!.startNanos;
  let endNanos = spans[0]!.endNanos;
  for (const s of spans) {
    if (s.startNanos < startNanos) startNanos = s.startNanos;
    if (s.endNanos > endNanos) endNanos = s.endNanos;
  }
  return { traceId: spans[0]!.traceId, spans: [...spans], startNanos, endNanos, order: 0, duplicates: 0 };
}
