import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  rmdirSync,
  statfsSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type * as OtlpTransformer from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { describeValue, fileErrorText, quoteLocation } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import { otlpTransformer } from "./sdk-modules.js";
import { warnNotSerialized } from "./unserializable-spans.js";

/** The OTLP JSON serializer, loaded by the first export (see sdk-modules.ts). */
let serializer: typeof OtlpTransformer.JsonTraceSerializer | undefined;

/** Line terminator written after each request (JSON Lines). */
const NEWLINE = Buffer.from("\n");

/**
 * SpanExporter that appends each batch of spans to a file as one line of OTLP JSON: an
 * ExportTraceServiceRequest (`{"resourceSpans":[...]}`, hex trace and span ids) encoded as the OTLP
 * specification's JSON Protobuf Encoding describes, followed by `\n`. That is the format of the
 * OpenTelemetry Collector's file exporter (`format: json`), so `tracehop inspect` reads either.
 *
 * Several processes may append to one file: each batch is written by a single `appendFileSync`
 * (open with O_APPEND, one write of the whole line), so lines never interleave on a local POSIX
 * file system (O_APPEND is not atomic on NFS). The missing folders of the path are created on first
 * use, one level at a time: a path no folder can be made in (under `/proc`)
 * is a write failure like any other, never a hang.
 *
 * Never throws from `export`: a write failure is reported as a FAILED ExportResult (a bare
 * BatchSpanProcessor logs each through `diag`, as JSON with its stack; under `startTracing` they are
 * counted instead and said once per outage: `TRACEHOP_EXPORT_FAILED`), so tracing never fails the application; a span the OTLP
 * serializer cannot read is left out of its line (`TRACEHOP_SPAN_NOT_SERIALIZED`, once per process)
 * and the rest of its batch is written. The first write failure of a path in the process is also said where it is seen
 * without a diag logger (`diag.warn` and the process warning
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`, printed on stderr by default), naming the path and the reason:
 * otherwise every span is lost and the run ends well. After `shutdown()` every export fails.
 */
export class JsonLinesFileSpanExporter implements SpanExporter {
  private _stopped = false;
  private _directoryReady = false;
  private readonly _path: string;

  /**
   * An exporter that appends each batch to the file at `path` as one OTLP JSON line. A relative `path`
   * resolves against the process's working directory (`process.cwd()`) at each write, not at
   * construction; nothing is opened or created before the first export.
   *
   * @param path file to append to (relative paths resolve against the working directory at each write).
   * @throws TypeError when `path` is not a non-empty string.
   */
  constructor(path: string) {
    if (typeof path !== "string" || path === "")
      throw new TypeError(
        `tracehop JsonLinesFileSpanExporter: path must be a non-empty string, got ${describeValue(path)}`,
      );
    this._path = path;
  }

  /** Appends `spans` as one line; reports the outcome through `resultCallback` (synchronously). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._stopped)
      return resultCallback({ code: ExportResultCode.FAILED, error: new Error("exporter is shut down") });
    if (spans.length === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    try {
      const body = serializeSpans(spans);
      if (body === undefined) return resultCallback({ code: ExportResultCode.SUCCESS }); // none serializable
      if (!this._directoryReady) {
        createFolders(dirname(this._path));
        this._directoryReady = true;
      }
      appendFileSync(this._path, Buffer.concat([body, NEWLINE], body.length + 1));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      warnWriteFailure(this._path, failure);
      return resultCallback({ code: ExportResultCode.FAILED, error: failure });
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Stops the exporter; later exports fail. Nothing is buffered here, so nothing is lost. */
  shutdown(): Promise<void> {
    this._stopped = true;
    return Promise.resolve();
  }

  /** Nothing to flush: every export is written before its callback runs. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `spans` as one OTLP JSON ExportTraceServiceRequest, or `undefined` when none of them can be serialized.
 * A span the serializer cannot read (a link without a SpanContext: `tracer.startSpan(name, { links: [{}]
 * })` is accepted by the SDK) would fail the whole batch: the batch is then serialized span by span and
 * those that fail are left out, said once per process (`warnNotSerialized`, unserializable-spans.ts), so that the other
 * spans of the batch are still written.
 * @throws Error when the serializer produces nothing for spans it read.
 */
function serializeSpans(spans: ReadableSpan[]): Uint8Array | undefined {
  serializer ??= otlpTransformer().JsonTraceSerializer;
  let body: Uint8Array | undefined;
  try {
    body = serializer.serializeRequest(spans);
  } catch {
    const serializable = spans.filter((span) => {
      try {
        serializer!.serializeRequest([span]);
        return true;
      } catch (error) {
        warnNotSerialized(span, error, spans.length);
        return false;
      }
    });
    if (serializable.length === 0) return undefined;
    body = serializer.serializeRequest(serializable);
  }
  if (!body) throw new Error("OTLP JSON serialization produced nothing");
  return body;
}

/** Process warning code of a spans file that cannot be written ({@link JsonLinesFileSpanExporter}). */
const SPANS_FILE_UNWRITABLE_WARNING = "TRACEHOP_SPANS_FILE_UNWRITABLE";

/**
 * The once-per-path warning of a failed write (a serialization failure is said the same way). Never
 * throws.
 */
function warnWriteFailure(path: string, error: Error): void {
  try {
    warnOnce(
      `spans-file:${path}`,
      `tracehop: spans could not be written to the spans file ${quoteLocation(path)}: ${fileErrorText(error)}. ` +
        `Spans written there are lost while this lasts (said once per process); make the path a file in a ` +
        `writable folder (startTracing's spansFile, TRACEHOP_SPANS_FILE), or turn the file off (spansFile: false).`,
      SPANS_FILE_UNWRITABLE_WARNING,
    );
  } catch {
    // never into the export
  }
}

/**
 * Internal: why `path` (absolute) cannot be a spans file, as the end of a sentence that starts with
 * the path (`is a folder`), or `undefined` when it can. Checked without leaving anything written: an
 * existing path must be a file that opens for appending (`open(path, "a")`, then closed: its content
 * is not touched); a missing one must have, as its nearest existing ancestor, a folder this process
 * may create entries in (`access(W_OK | X_OK)`), and its missing folders must be creatable: they are
 * created as the exporter creates them on its first write ({@link createFolders}, one level at a
 * time), then removed again (`rmdir`, deepest first; one that another process filled meanwhile is
 * kept); then the file itself is created and removed again ({@link fileCreationProblem}). Those steps
 * catch a folder that grants write access and creates nothing: under `/proc` root may "write" but
 * `mkdir` and `open` fail (ENOENT), and Node's recursive mkdir loops forever there; a
 * symbolic link whose target does not exist is checked as its target, whose folder must
 * exist (the exporter creates the folders of the link, not of its target). So a folder, a named pipe or
 * a socket (a write blocks while nothing reads), a path under a regular file, a link into a missing
 * folder, a file or folder without write permission are refused; a full disk, a quota or a folder
 * removed later are not foreseen (the exporter's warning says those). Never throws.
 */
export function spansFileProblem(path: string): string | undefined {
  try {
    const kernel = kernelFileSystem(path);
    if (kernel !== undefined)
      return `is on ${kernel}, a window into the kernel, not a file system for files (what is written there is lost or changes the system)`;
    let stats;
    try {
      stats = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return `cannot be checked (${fileErrorText(error)})`;
      const link = danglingLinkTarget(path);
      // The exporter creates the missing folders of `path`, not of a link's target: its folder must exist.
      if (link !== undefined) {
        const problem = isFolder(dirname(link))
          ? spansFileProblem(link)
          : "is in a folder that does not exist";
        return problem === undefined
          ? undefined
          : `is a symbolic link to ${quoteLocation(link)}, which ${problem}`;
      }
    }
    if (stats !== undefined) {
      if (stats.isDirectory()) return "is a folder, not a file";
      // A write to a pipe without a reader blocks the whole process (appendFileSync), and so would this
      // check's open: refused, as a socket is.
      if (stats.isFIFO() || stats.isSocket())
        return `is a ${stats.isFIFO() ? "named pipe" : "socket"}, not a file (a write would block the process while nothing reads it)`;
      try {
        closeSync(openSync(path, "a"));
      } catch (error) {
        return `cannot be opened for appending (${fileErrorText(error)})`;
      }
      return undefined;
    }
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      let parent;
      try {
        parent = statSync(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === "ENOENT" || code === "ENOTDIR") && dirname(dir) !== dir) continue;
        return `cannot be checked (${fileErrorText(error)})`;
      }
      if (!parent.isDirectory())
        return `is under ${quoteLocation(dir)}, which is a file, not a folder (no folder can be created there)`;
      try {
        accessSync(dir, constants.W_OK | constants.X_OK);
      } catch (error) {
        return `cannot be created: its nearest existing folder, ${quoteLocation(dir)}, is not writable (${fileErrorText(error)})`;
      }
      if (dir === dirname(path)) return fileCreationProblem(path);
      const created: string[] = [];
      try {
        createFolders(dirname(path), created);
        return fileCreationProblem(path);
      } catch (error) {
        return `cannot be created: its folder ${quoteLocation(dirname(path))} cannot be created in ${quoteLocation(dir)} (${fileErrorText(error)})`;
      } finally {
        for (const folder of created.reverse()) {
          try {
            rmdirSync(folder);
          } catch {
            // filled by another process meanwhile: kept
          }
        }
      }
    }
  } catch (error) {
    return `cannot be checked (${fileErrorText(error)})`;
  }
}

/** Linux `statfs` magic numbers of the kernel's pseudo file systems (linux/magic.h). */
const KERNEL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "/proc (procfs)"],
  [0x62656572, "/sys (sysfs)"],
]);

/**
 * The kernel pseudo file system `path` (or, when it does not exist, its nearest existing ancestor) is
 * on — procfs or sysfs ({@link KERNEL_FILE_SYSTEMS}) — or `undefined` for any other, or when that cannot
 * be told (`statfs` fails, another OS). Their entries pass the other checks (root may open
 * `/proc/self/comm` or `/proc/sys/kernel/hostname` for appending), and a write there changes the system
 * (the hostname) or fails at every export. Never throws.
 */
function kernelFileSystem(path: string): string | undefined {
  for (let current = resolve(path); ; current = dirname(current)) {
    try {
      return KERNEL_FILE_SYSTEMS.get(statfsSync(current).type);
    } catch {
      if (dirname(current) === current) return undefined;
    }
  }
}

/**
 * Why the missing file `path`, in a folder that exists, cannot be created, or `undefined` when it can:
 * created exclusively (`open(path, "ax")`), then closed and removed again, so the check leaves nothing.
 * That catches a folder that grants write access and creates nothing (`/proc` as root: ENOENT). A file
 * that another process created meanwhile (EEXIST) is fine.
 */
function fileCreationProblem(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "ax");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    return `cannot be created (${fileErrorText(error)})`;
  }
  closeSync(fd);
  try {
    unlinkSync(path);
  } catch {
    // removed or replaced by another process meanwhile: theirs
  }
  return undefined;
}

/**
 * Internal: creates the missing folders of `dir`, one level at a time: finds its nearest existing
 * ancestor, then makes each missing folder below it with a plain (non-recursive) `mkdir`. Node's
 * `mkdirSync(dir, { recursive: true })` is not used: on a path where `mkdir` fails with ENOENT although
 * the parent exists (`/proc/nope`, as root) it loops forever, synchronously, so the process hangs at
 * 100% CPU. Here every step is one system call, so such a path fails with its ordinary error. A folder
 * another process made meanwhile (EEXIST) is taken; a symbolic link there to a missing folder is an error.
 *
 * @param created receives each folder created, parent first, also when a later one fails.
 * @returns `created`.
 * @throws the file system's error (ENOENT, EACCES, ENOTDIR, ...) of the first folder that cannot be
 *   made or of an ancestor that cannot be read; the folders created before it are left.
 */
function createFolders(dir: string, created: string[] = []): string[] {
  const missing: string[] = [];
  for (let current = resolve(dir); ;) {
    try {
      statSync(current);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code !== "ENOENT" && code !== "ENOTDIR") || parent === current) throw error;
      missing.push(current);
      current = parent;
    }
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
      created.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // Made by another process meanwhile, or a symbolic link to a missing folder (statSync saw nothing).
      if (!isFolder(folder)) {
        const link = danglingLinkTarget(folder);
        throw new Error(
          link === undefined
            ? `${quoteLocation(folder)} exists and is not a folder`
            : `${quoteLocation(folder)} is a symbolic link to ${quoteLocation(link)}, which does not exist: create that folder or point the link to an existing one`,
          { cause: error },
        );
      }
    }
  }
  return created;
}

/** The absolute target of `path` when it is a symbolic link whose target does not exist, else undefined. */
function danglingLinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `path` is an existing folder. */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
