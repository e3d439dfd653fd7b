// `tracehop spans [FILE]`: the traces of an OTLP JSON-lines spans file printed as trees. Reached, as
// inspect is, only through `runTracehop` (its `CommandIo`: no `process` here).
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { MAX_QUOTED_VALUE_CHARACTERS, quoteWritten } from "../describe-value.js";
import { nearestName } from "../edit-distance.js";
import { hex16ToDecimal } from "../propagation/datadog/ids.js";
import { DEFAULT_SPANS_FILE } from "../tracing/tracing-config.js";
import type { CommandIo } from "./command.js";
import { EXIT_FAILED, EXIT_NO_CONTEXT, EXIT_USAGE, EXIT_VALID, printable } from "./report.js";
import {
  MAX_LINE_BYTES,
  kindOfFile,
  packedFix,
  packedProblem,
  readSpans,
  type ByteSource,
  type FileSpan,
  type PackedKind,
  type ReadSpansSourceOptions,
  type SpansReading,
} from "../spans/read.js";
import { groupTraces, lastActiveTraces, traceTreeLines } from "../spans/tree.js";

/**
 * What `tracehop spans` says to do with input that is `kind` (compressed, UTF-16): the command that reads
 * `file` (quoted, or `FILE` for standard input) into `tracehop spans -` as it is read.
 */
function packedCommandFix(kind: PackedKind, file: string): string {
  if (kind === "collector-zstd") return packedFix(kind, file, "tracehop spans -");
  const command =
    kind === "gzip"
      ? "gzip -dc"
      : kind === "zstd"
        ? "zstd -dc"
        : `iconv -f ${kind === "utf-16le" ? "UTF-16LE" : "UTF-16BE"} -t UTF-8`;
  return `${kind === "gzip" || kind === "zstd" ? "decompress" : "convert"} it as it is read: ${command} ${file} | tracehop spans -`;
}

/** How many traces `tracehop spans` prints without `--last` or `--all`: the ten last active. */
export const DEFAULT_LAST_TRACES = 10;

/** The usage of `tracehop spans` (`tracehop help spans`, `tracehop spans --help`). */
export const SPANS_USAGE = `usage: tracehop spans [--trace ID] [--last N | --all] [--] [FILE | -]

Prints the traces of an OTLP JSON-lines spans file as trees: the file startTracing writes
(its spansFile option, TRACEHOP_SPANS_FILE; by default .tracehop/spans.jsonl when no exporter
is configured), or what the OpenTelemetry Collector's file exporter writes with format: json.
One ExportTraceServiceRequest per line, at most 64 MiB (a longer line is skipped and said, or,
as the first, refused: no spans file); the file is read a chunk at a time, never whole.

Each trace starts with its id in 128-bit hex (W3C) and as Datadog shows it (the lower 64 bits
in decimal, x-datadog-trace-id, and _dd.p.tid for the upper ones), its span count and start
time; then a line per span, children under their parent in start order: service, span name,
kind, duration, ERROR and the status message on a failed span, the messaging attributes
(messaging.system, messaging.destination.name, messaging.operation.type, messaging.message.id,
messaging.batch.message_count), tracehop's restore attributes (tracehop.relation, attempt,
run, queue.wait in seconds), http.route, http.response.status_code, error.type, the span's
links, and "parent ID not in this file" for a span whose parent was written elsewhere. A span id
read again is shown and counted once (the header says how many duplicates); a cycle of parents is
shown once, from its span that started first, and said on that line.

  FILE         the spans file; without it, TRACEHOP_SPANS_FILE, else ${DEFAULT_SPANS_FILE}
               (a regular file: a named pipe or a device is refused, read it with -)
  -            read the lines from standard input (ssh host cat spans.jsonl | tracehop spans -)
  --           the end of the options, before a file whose name starts with -
  --trace ID   that trace alone: 32 hex digits (W3C, any case), a traceparent value or header
               line, or the Datadog decimal trace id (x-datadog-trace-id, the id Datadog's UI
               shows: every trace with those lower 64 bits; "ID _dd.p.tid=HEX" for the one),
               or a line "trace HEX (W3C) ..." as this command and npm start print it
  --last N     the N traces whose last span ended last (default ${DEFAULT_LAST_TRACES}), oldest first
  --all        every trace in the file, oldest first

memory: --trace keeps the spans it prints; --last N of a file those and a few dozen bytes a trace;
--all, and standard input (-, read once) without --trace, every span: about 1.5 KB a span, nearly
twice the file's size (a 200 MB file of 238 000 spans: 350 MB). For a larger one, --last or --trace
on the file itself.

exit codes: 0 traces printed,
            1 no trace to print (an empty file; no trace of that --trace id),
            2 usage or input error: the file is missing, unreadable or no OTLP JSON lines
              (said in one line with what to fix), or the output cannot be written,
            3 tracehop spans itself failed (a bug: please report it)`;

/** The line after a usage error of `tracehop spans`'s arguments. */
const SPANS_HELP = "tracehop spans --help shows the usage";

/** The options of `tracehop spans` (and those read anywhere). */
export const SPANS_OPTIONS = ["--trace", "--last", "--all", "--help", "--version", "-h", "-V"] as const;

/** The arguments of `tracehop spans`, read. */
interface SpansArguments {
  /** The trace asked for: its 32 hex digits, or the lower 16 of them (a Datadog decimal id). */
  trace: { hex: string } | { lowHex: string } | undefined;
  /** How many of the traces last active to print (`Infinity` for `--all`). */
  last: number;
  files: string[];
}

/** 2^64 - 1: the largest Datadog trace id. */
const MAX_UINT64 = (1n << 64n) - 1n;

/** What `--trace` takes, starting its usage error. */
const TRACE_TAKES =
  "--trace takes a trace id: 32 hex digits or a traceparent (W3C), or a Datadog decimal id up to 18446744073709551615 (its lower 64 bits; with _dd.p.tid=<16 hex> for the upper ones)";

/** A traceparent value (W3C Trace Context, "traceparent Header"), any case, a later version's fields after it allowed; optionally as a header line `traceparent: ...`, `traceparent=...` or JSON `"traceparent": "...",`. */
const TRACEPARENT_PASTED =
  /^(?:["']?traceparent["']?\s*[:=]\s*)?["']?[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?:-[^\s"']*)?["']?,?$/i;

/**
 * A Datadog trace id: its decimal `x-datadog-trace-id` (as a header line too), and optionally the
 * `_dd.p.tid` tag of `x-datadog-tags` (other tags beside it) or as the line naming a trace writes it
 * (`traceIdLine`: tracehop spans's header, `npm start`'s last lines),
 * `<decimal> (Datadog x-datadog-trace-id, _dd.p.tid=<hex>)`, or as earlier versions of the header wrote
 * it, `<decimal> (Datadog, _dd.p.tid=<hex>)` (rows and logs hold it).
 */
const DATADOG_PASTED =
  /^(?:["']?x-datadog-trace-id["']?\s*[:=]\s*)?["']?(\d{1,20})["']?(?:(?:\s*[,;]?\s*(?:["']?x-datadog-tags["']?\s*[:=]\s*)?["']?(?:[^\s"',;]+,)?|\s*\(Datadog(?:\s+x-datadog-trace-id)?,\s*)_dd\.p\.tid=([0-9a-f]{16})(?:,[^\s"']*)?["']?\)?)?,?$/i;

/**
 * The line naming a trace that tracehop spans's header and `npm start`'s last lines begin with,
 * `trace <32 hex> (W3C)`, whatever follows it (the Datadog form, the span count, the start).
 */
const TRACE_LINE_PASTED = /^trace\s+([0-9a-f]{32})\s+\(W3C\)(?:\s|$)/i;

/**
 * The trace id `text` as `--trace` reads it (surrounding white space ignored), or what is wrong with it
 * for the usage error (after {@link TRACE_TAKES} and the value). Read, as a user pastes it:
 * - 32 hex digits, any case (W3C Trace Context's trace-id), not all zeros (invalid there);
 * - a traceparent value, `00-<trace id>-<span id>-<flags>`, or its header line: its trace id;
 * - the line naming a trace in tracehop spans's output or `npm start`'s, `trace <32 hex> (W3C) …`;
 * - a Datadog decimal trace id, 1 to 2^64-1, or `x-datadog-trace-id: <decimal>`: the lower 64 bits,
 *   matching every trace whose lower half it is; with `_dd.p.tid=<16 hex>` after it (`x-datadog-tags`,
 *   other tags beside it allowed) the whole 128-bit id, as Datadog's tracers rebuild it (docs/export.md,
 *   "How a 128-bit trace id reaches Datadog");
 * - 16 hex digits, not all decimal digits (those are read as the decimal id): the lower 64 bits in hex.
 * Anything else is refused; the reason names what it holds when that is clear: a 32-digit hex run inside
 * other text (`did you mean`), a wrong number of hex digits, a `_dd.p.tid` without the decimal id.
 */
function traceIdOption(text: string): SpansArguments["trace"] | { wrong: string } {
  const given = text.trim();
  const hex = /^[0-9a-f]{32}$/i.test(given)
    ? given
    : (TRACEPARENT_PASTED.exec(given)?.[1] ?? TRACE_LINE_PASTED.exec(given)?.[1]);
  if (hex !== undefined)
    return /^0+$/.test(hex)
      ? { wrong: ": its trace id is all zeros, which W3C Trace Context makes invalid" }
      : { hex: hex.toLowerCase() };
  const datadog = DATADOG_PASTED.exec(given);
  if (datadog !== null) {
    const value = BigInt(datadog[1]!);
    if (value >= 1n && value <= MAX_UINT64) {
      const lowHex = value.toString(16).padStart(16, "0");
      return datadog[2] === undefined ? { lowHex } : { hex: datadog[2].toLowerCase() + lowHex };
    }
    return {
      wrong:
        value === 0n
          ? ": 0 is no trace id (Datadog's ids start at 1)"
          : `: beyond ${MAX_UINT64} (2^64 - 1), the largest Datadog trace id`,
    };
  }
  if (/^[0-9a-f]{16}$/i.test(given)) return { lowHex: given.toLowerCase() };
  if (/^[0-9a-f]+$/i.test(given) && given.length > 16)
    return { wrong: `: ${given.length} hex digits, a W3C trace id has 32` };
  const tid = /_dd\.p\.tid=([0-9a-f]{16})/i.exec(given);
  if (tid !== null)
    return {
      wrong: `: _dd.p.tid holds the upper 64 bits alone; give x-datadog-trace-id with it: --trace "<x-datadog-trace-id> _dd.p.tid=${tid[1]!.toLowerCase()}"`,
    };
  const inside = /(?:^|[^0-9a-f])([0-9a-f]{32})(?![0-9a-f])/i.exec(given);
  if (inside !== null && !/^0+$/.test(inside[1]!))
    return { wrong: `; did you mean --trace ${inside[1]!.toLowerCase()}?` };
  return { wrong: "" };
}

/** Reads the arguments after `spans`; returns what is wrong as the usage error says it. */
function parseSpansArguments(args: readonly string[]): SpansArguments | string {
  const parsed: SpansArguments = { trace: undefined, last: DEFAULT_LAST_TRACES, files: [] };
  let lastGiven: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      parsed.files.push(...args.slice(i + 1));
      break;
    } else if (arg === "--trace" || arg.startsWith("--trace=")) {
      const value = arg === "--trace" ? args[++i] : arg.slice("--trace=".length);
      if (value === undefined) return TRACE_TAKES;
      const trace = traceIdOption(value);
      if (trace === undefined || "wrong" in trace)
        return `${TRACE_TAKES}, got ${quoteWritten(value, MAX_QUOTED_VALUE_CHARACTERS)}${trace?.wrong ?? ""}`;
      if (parsed.trace !== undefined) return "--trace is given twice: give one trace id";
      parsed.trace = trace;
    } else if (arg === "--last" || arg.startsWith("--last=")) {
      const value = arg === "--last" ? args[++i] : arg.slice("--last=".length);
      if (value === undefined || !/^\d{1,9}$/.test(value) || Number(value) < 1)
        return `--last takes a number of traces, 1 or more${value === undefined ? "" : `, got ${quoteWritten(value)}`}`;
      if (lastGiven !== undefined) return `--last and ${lastGiven} are both given: give one`;
      lastGiven = "--last";
      parsed.last = Number(value);
    } else if (arg === "--all") {
      if (lastGiven !== undefined && lastGiven !== "--all")
        return `--all and ${lastGiven} are both given: give one`;
      lastGiven = "--all";
      parsed.last = Infinity;
    } else if (arg.startsWith("-") && arg !== "-") {
      const name = arg.split("=", 1)[0]!;
      const guess = nearestName(name, SPANS_OPTIONS, (text) => text.replace(/^-+/, "").toLowerCase());
      return guess === undefined
        ? `unknown option ${arg}; the options are --trace, --last, --all (a file whose name starts with - follows --: tracehop spans -- ${arg})`
        : `unknown option ${arg}; did you mean ${guess}?`;
    } else parsed.files.push(arg);
  }
  return parsed;
}

/** An input error of `tracehop spans`: said in one line, exit {@link EXIT_USAGE}. */
class SpansInputError extends Error {}

/** What to give, ending the messages about a file that cannot be read as spans. */
const GIVE_FILE =
  "give the spans file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE) or a Collector file exporter's output (format: json)";

/** {@link MAX_LINE_BYTES} as messages say it: `64 MiB`. */
const MAX_LINE_SHOWN = `${MAX_LINE_BYTES / (1024 * 1024)} MiB`;

/**
 * The command that reads a spans file whose lines are longer than {@link MAX_LINE_BYTES}: jq splits each
 * line's requests (`resourceSpans`, one per resource) into lines of their own, which OTLP allows (docs/export.md,
 * "Reading the spans file").
 */
function splitCommand(file: string): string {
  return `jq -c '.resourceSpans[] | {resourceSpans: [.]}' ${file} | tracehop spans -`;
}

/**
 * The error of `path`, which is `stats`, no regular file: a folder as before; a named pipe, a device or a
 * socket refused as tracehop/spans refuses them (never waited on for a writer: a file is also read twice
 * for --last), with the way to read one: as standard input.
 */
function notRegular(path: string, stats: Stats): SpansInputError {
  if (stats.isDirectory()) return new SpansInputError(`${JSON.stringify(path)} is a folder; ${GIVE_FILE}`);
  return new SpansInputError(
    `${JSON.stringify(path)} is ${kindOfFile(stats)}, not a regular file (a file is read without waiting for a writer, and --last reads it twice); ` +
      `read it as standard input: tracehop spans - < ${JSON.stringify(path)}`,
  );
}

/**
 * The regular file `path` opened for reading (without waiting: O_NONBLOCK, as tracehop/spans opens it),
 * after checking what it is on the descriptor opened.
 * @throws {@link SpansInputError} saying what is wrong: no such file (and, for the `defaulted` path, how a
 *   file comes to be there), a folder, a named pipe, a device or a socket, permission.
 */
function openSpansFile(path: string, defaulted: string | undefined): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    const opened = fd;
    fd = undefined;
    return opened;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (err instanceof SpansInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && defaulted !== undefined)
      throw new SpansInputError(
        `no spans file at ${JSON.stringify(path)} (${defaulted}): startTracing() writes it when no exporter is configured ` +
          "(or set its spansFile option, or TRACEHOP_SPANS_FILE); run your service first, or name the file: tracehop spans FILE",
      );
    if (code === "ENOENT")
      throw new SpansInputError(`cannot read ${JSON.stringify(path)}: no such file; ${GIVE_FILE}`);
    // A socket or a folder open refused: said as what it is.
    let stats: Stats | undefined;
    try {
      stats = statSync(path);
    } catch {
      stats = undefined;
    }
    if (stats !== undefined && !stats.isFile()) throw notRegular(path, stats);
    const message = String((err as Error).message ?? err).split("\n")[0];
    throw new SpansInputError(
      `cannot read ${JSON.stringify(path)} (${message}); make it readable, or ${GIVE_FILE}`,
    );
  }
}

/**
 * Runs `tracehop spans` with `args` (the arguments after `spans`): reads the file (or standard input),
 * prints the traces chosen as trees on `io.writeOut`, notes (lines skipped, traces not shown) on
 * `io.writeErr`, and resolves to its exit code ({@link SPANS_USAGE} says which).
 */
export async function runSpans(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseSpansArguments(args);
  if (typeof parsed === "string") {
    io.writeErr(`tracehop spans: ${printable(parsed)}\n${SPANS_HELP}\n`);
    return EXIT_USAGE;
  }
  if (parsed.files.length > 1) {
    io.writeErr(
      `tracehop spans: give at most one spans file, got ${parsed.files.length}: ${parsed.files.map((f) => JSON.stringify(f)).join(" ")}\n${SPANS_HELP}\n`,
    );
    return EXIT_USAGE;
  }
  const named = parsed.files[0];
  const fromEnv = io.env.TRACEHOP_SPANS_FILE;
  const path = named ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_SPANS_FILE);
  const defaulted =
    named !== undefined
      ? undefined
      : path === DEFAULT_SPANS_FILE
        ? "the default"
        : "from TRACEHOP_SPANS_FILE";
  const what = path === "-" ? "standard input" : JSON.stringify(path);
  const { trace } = parsed;
  const keep =
    trace === undefined
      ? undefined
      : "hex" in trace
        ? (span: FileSpan) => span.traceId === trace.hex
        : (span: FileSpan) => span.traceId.endsWith(trace.lowHex);
  let reading: SpansReading;
  /** How many traces the file holds, when a first reading counted them (`--last` of a file). */
  let traceCount: number | undefined;
  /**
   * The file, opened once at the first reading: the second reading of --last reads the same file from its
   * start, even when another took its path between (a rotation).
   */
  let fd: number | undefined;
  /** One reading of the file from its start (or of standard input), its errors said as input that cannot be read. */
  const readOnce = (
    keepSpan: ((span: FileSpan) => boolean) | undefined,
    options?: ReadSpansSourceOptions,
  ): SpansReading => {
    try {
      let source: ByteSource = io.stdin;
      if (path !== "-") {
        const file = (fd ??= openSpansFile(path, defaulted));
        let position = 0;
        source = {
          read: (buffer, offset, length) => {
            const n = readSync(file, buffer, offset, length, position);
            position += n;
            return n;
          },
        };
      }
      return readSpans(source, keepSpan, options);
    } catch (err) {
      if (err instanceof SpansInputError) throw err;
      const message = String((err as Error).message ?? err).split("\n")[0];
      throw new SpansInputError(`cannot read ${what} (${message}); ${GIVE_FILE}`);
    }
  };
  try {
    if (keep === undefined && parsed.last !== Infinity && path !== "-") {
      // --last N of a file: a first reading finds when each trace's last span ended, keeping no span; a
      // second, of the same bytes (a file still being appended to has grown), keeps the spans of the N
      // traces that ended last alone (as lastActiveTraces chooses them). Memory grows with the traces,
      // not with the spans (standard input, read once, keeps every span).
      const ends = new Map<string, bigint>();
      const first = readOnce((span) => {
        const end = ends.get(span.traceId);
        if (end === undefined || span.endNanos > end) ends.set(span.traceId, span.endNanos);
        return false;
      });
      // By end, equal ends in the order first read (a stable sort).
      const chosen = new Set(
        [...ends]
          .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
          .slice(Math.max(0, ends.size - parsed.last))
          .map(([id]) => id),
      );
      traceCount = ends.size;
      const second = readOnce((span) => chosen.has(span.traceId), {
        maxBytes: first.bytes,
        mayHold: (text) => {
          const lower = text.toLowerCase();
          for (const id of chosen) if (lower.includes(id)) return true;
          return false;
        },
      });
      reading = { ...first, spans: second.spans };
    } else reading = readOnce(keep);
    if (reading.packed !== undefined)
      throw new SpansInputError(
        `${what} ${packedProblem(reading.packed).reason}; ${packedCommandFix(reading.packed, path === "-" ? "FILE" : JSON.stringify(path))}`,
      );
    if (reading.stoppedAtLong)
      throw new SpansInputError(
        `${what} is no OTLP JSON-lines spans file: line ${reading.firstLong} runs past ${MAX_LINE_SHOWN} without a line end ` +
          `(the most tracehop spans reads of one line); ${GIVE_FILE}; a spans file of requests that large: ${splitCommand("FILE")}`,
      );
    // A last line still being written (no line end yet) is no sign of another kind of file, as
    // tracehop/spans reads it: a file whose only line it is holds no spans yet.
    const cut = reading.lastLineCut ? 1 : 0;
    if (reading.lines > cut && reading.badLines === reading.lines) {
      const first = reading.firstBad!;
      throw new SpansInputError(
        `${what} is no OTLP JSON-lines spans file: line ${first.line} is ${first.reason}` +
          `${reading.lines > 1 ? `, and so are the other ${reading.lines - 1}` : ""}; ${GIVE_FILE}`,
      );
    }
  } catch (err) {
    if (err instanceof SpansInputError) {
      io.writeErr(`tracehop spans: ${printable(err.message)}\n`);
      return EXIT_USAGE;
    }
    io.writeErr(
      `tracehop spans: failed on this input (${printable(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}); ` +
        "this is a bug in tracehop spans: please report it\n",
    );
    return EXIT_FAILED;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (reading.badLines > 0) {
    const first = reading.firstBad!;
    io.writeErr(
      `tracehop spans: ${reading.badLines} of ${reading.lines} lines of ${what} skipped, no OTLP JSON ` +
        `(line ${first.line} is ${printable(first.reason)}; a line cut short by a writer still writing is one)\n`,
    );
  }
  if (reading.longLines > 0)
    io.writeErr(
      `tracehop spans: ${reading.longLines === 1 ? `line ${reading.firstLong} of ${what}` : `${reading.longLines} lines of ${what} (the first: line ${reading.firstLong})`} skipped: ` +
        `longer than ${MAX_LINE_SHOWN} (the most tracehop spans reads of one line); to read ${reading.longLines === 1 ? "it" : "them"}, ` +
        `give each of ${reading.longLines === 1 ? "its" : "their"} requests a line of its own: ${splitCommand(path === "-" ? "FILE" : JSON.stringify(path))}\n`,
    );
  if (reading.badSpans > 0)
    io.writeErr(
      `tracehop spans: ${reading.badSpans} span${reading.badSpans === 1 ? "" : "s"} of ${what} skipped: ` +
        "a trace or span id that is not hex of 32 or 16 digits (or is all zeros), no start or end time, or an attribute value nested over 128 levels deep\n",
    );
  const traces = groupTraces(reading.spans);
  if (traces.length === 0) {
    io.writeErr(
      trace === undefined
        ? `tracehop spans: ${what} holds no spans${reading.lines === 0 ? " (it is empty)" : reading.otherSignalLines > 0 ? ` (${reading.otherSignalLines === 1 ? "its 1 line of OTLP JSON is" : `its ${reading.otherSignalLines} lines of OTLP JSON are`} logs, metrics or profiles)` : ""}\n`
        : `tracehop spans: no trace with the id ${"hex" in trace ? trace.hex : `${hex16ToDecimal(trace.lowHex)} (Datadog; lower 64 bits ${trace.lowHex})`} in ${what}\n`,
    );
    return EXIT_NO_CONTEXT;
  }
  const shown = lastActiveTraces(traces, parsed.last);
  const total = traceCount ?? traces.length;
  for (const [i, one] of shown.entries()) {
    const wait = io.writeOut((i === 0 ? "" : "\n") + traceTreeLines(one).join("\n") + "\n");
    if (wait !== undefined) await wait;
  }
  if (shown.length < total)
    io.writeErr(
      `tracehop spans: the last ${shown.length} of ${total} traces in ${what}; --last N or --all for more, --trace ID for one\n`,
    );
  return EXIT_VALID;
}
