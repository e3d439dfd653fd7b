import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";

/** One span read back from an OTLP JSON-lines spans file. */
export interface FileSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  service: string;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  /** OTLP Status.code: 0 unset, 1 ok, 2 error (OTLP/JSON leaves out a 0). */
  statusCode: number;
  /** The names of the span's events, in the order they were added. */
  events: string[];
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttr = { key: string; value: OtlpValue };

function attrValue(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return v.doubleValue;
}

function attrs(list: OtlpAttr[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, attrValue(a.value)]));
}

/** Where a spans file ended at a moment ({@link spansFileMark}): which file (its inode) and its size in bytes. */
export interface SpansFileMark {
  ino: number;
  size: number;
}

/**
 * Where the spans file `path` ends now: its inode and size in bytes; 0 and 0 when there is none yet or it
 * cannot be looked at (ENOTDIR: a path under a regular file; ELOOP, EACCES, ...). Never throws: a path the
 * processes cannot write is theirs to refuse, each with its one line and exit 2 (JsonLinesFileSpanExporter's
 * spansFileProblem), and a path that cannot be read back shows no trace, never fails the run.
 */
export function spansFileMark(path: string): SpansFileMark {
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    stats = undefined;
  }
  return stats === undefined ? { ino: 0, size: 0 } : { ino: stats.ino, size: stats.size };
}

/**
 * Why a spans file cannot be read back, for `npm start`'s last line: `what` follows the path (`is a folder,
 * not a regular file`; `cannot be read (EACCES: permission denied, open '…')`), `fix` says what to do.
 */
export interface SpansFileProblem {
  what: string;
  fix: string;
}

/** What a file that is not a regular file is, for the messages: `a character device`, `a folder`. */
function kindOfFile(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** The fix of a spans path that is no regular file. */
const SET_A_REGULAR_FILE = "set TRACEHOP_SPANS_FILE to a regular file (or unset it) to see them";

/**
 * The spans written to `path` since `mark` ({@link spansFileMark}): from `mark.size` on in the file marked;
 * the whole file when `path` is another file now (`replaced`: moved away during the run, a rotation, and
 * started anew; the spans written before are in the file moved away) or is shorter than the mark.
 * `problem` when the path cannot be read back now (see {@link readSpansText}): no spans then. Never throws.
 */
export function readSpansSince(
  path: string,
  mark: SpansFileMark,
): { spans: FileSpan[]; replaced: boolean; problem?: SpansFileProblem } {
  const now = spansFileMark(path);
  const replaced = mark.ino !== 0 && (now.ino !== mark.ino || now.size < mark.size);
  const read = readSpansText(path, replaced ? 0 : mark.size);
  return "problem" in read
    ? { spans: [], replaced, problem: read.problem }
    : { spans: spansOfText(read.text), replaced };
}

/**
 * The text of the spans file `path` from byte `offset` to its end (read from there: not the whole file
 * first), or why it cannot be read back: it does not exist (`removed during the run`), is no regular file
 * (a folder, a character device such as /dev/null, a named pipe: opened without waiting for a writer, never
 * read), or opening or reading it failed (a path under a file, permission, a loop of links: the system's
 * message). Never throws.
 */
export function readSpansText(
  path: string,
  offset: number,
): { text: string } | { problem: SpansFileProblem } {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a named pipe put at the path would otherwise hold this process until a writer comes.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: notRegular(stats) };
    const length = Math.max(0, stats.size - offset);
    const buffer = Buffer.alloc(length);
    let read = 0;
    for (let n; read < length && (n = readSync(fd, buffer, read, length - read, offset + read)) > 0;)
      read += n;
    return { text: buffer.subarray(0, read).toString("utf8") };
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === "ENOENT")
      return {
        problem: {
          what: "does not exist now (removed during the run, or no process wrote there)",
          fix: "leave the spans file in place while npm start runs to see its traces",
        },
      };
    // A socket or a folder refused by open: said as what it is.
    let stats: Stats | undefined;
    try {
      stats = statSync(path);
    } catch {
      stats = undefined;
    }
    if (stats !== undefined && !stats.isFile()) return { problem: notRegular(stats) };
    const message =
      String((err as Error | null)?.message ?? err)
        .split("\n")[0]!
        .trim() || String(code);
    return {
      problem: {
        what: `cannot be read (${message})`,
        fix: "make it a readable regular file, or set TRACEHOP_SPANS_FILE to one (or unset it), to see them",
      },
    };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The problem of a spans path that is `stats`, no regular file. */
function notRegular(stats: Stats): SpansFileProblem {
  return { what: `is ${kindOfFile(stats)}, not a regular file`, fix: SET_A_REGULAR_FILE };
}

/**
 * Reads the spans of an OTLP JSON-lines file (one ExportTraceServiceRequest per line, ids in hex as in
 * OTLP/JSON), starting at byte `offset`. Unparsable lines are skipped; a file that cannot be read has none.
 */
export function readSpansFile(path: string, offset = 0): FileSpan[] {
  const read = readSpansText(path, offset);
  return "problem" in read ? [] : spansOfText(read.text);
}

/** The spans of the OTLP JSON lines `text`; unparsable lines are skipped. */
function spansOfText(text: string): FileSpan[] {
  const out: FileSpan[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let request: any;
    try {
      request = JSON.parse(line);
    } catch {
      continue;
    }
    for (const rs of request.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)["service.name"] ?? "unknown");
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            kind: s.kind,
            service,
            startNanos: BigInt(s.startTimeUnixNano),
            endNanos: BigInt(s.endTimeUnixNano),
            attributes: attrs(s.attributes),
            links: (s.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId })),
            statusCode: s.status?.code ?? 0,
            events: (s.events ?? []).map((e: any) => e.name),
          });
        }
      }
    }
  }
  return out;
}

/** The Datadog decimal form of an OTel trace id: low 64 bits in decimal, upper 64 bits as `_dd.p.tid`. */
export function datadogIds(traceIdHex: string): { traceId: string; tid: string } {
  return { traceId: BigInt("0x" + traceIdHex.slice(16)).toString(10), tid: traceIdHex.slice(0, 16) };
}

/**
 * Formats the spans of one trace as an indented tree, children under their parent in start order:
 * `service  span name  duration`. Spans whose parent is not in the trace are printed as roots.
 */
export function formatTraceTree(spans: FileSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, FileSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startNanos < b.startNanos ? -1 : 1));
  const width = Math.max(...spans.map((s) => s.service.length));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      const ms = Number(s.endNanos - s.startNanos) / 1e6;
      lines.push(`${s.service.padEnd(width)}  ${"  ".repeat(depth)}${s.name}  ${ms.toFixed(1)} ms`);
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}
