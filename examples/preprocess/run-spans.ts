// The spans this run of `npm start` appended to the spans file, read back with tracehop/spans, and why
// they cannot be when the path turned bad during the run (said on the run's last line).
import { readSpansSince, SpansFileError, type FileSpan, type SpansFileMark } from "tracehop/spans";

/**
 * Why a spans file cannot be read back, for `npm start`'s last line: `what` follows the path (`is a folder,
 * not a regular file`; `cannot be read (EACCES: permission denied, open '…')`), `fix` says what to do.
 */
export interface SpansFileProblem {
  what: string;
  fix: string;
}

/** The fix of a spans path that is no regular file. */
const SET_A_REGULAR_FILE = "set TRACEHOP_SPANS_FILE to a regular file (or unset it) to see them";

/** The line `npm start` ends with for `err`, the reader's error. */
function problemOf(err: SpansFileError): SpansFileProblem {
  switch (err.code) {
    case "not-found":
      return {
        what: "does not exist now (removed during the run, or no process wrote there)",
        fix: "leave the spans file in place while npm start runs to see its traces",
      };
    case "not-a-file":
      return { what: err.reason, fix: SET_A_REGULAR_FILE };
    case "unreadable":
      return {
        what: err.reason,
        fix: "make it a readable regular file, or set TRACEHOP_SPANS_FILE to one (or unset it), to see them",
      };
    default:
      // gzip, not-otlp: another program writes there too.
      return {
        what: err.reason,
        fix: "set TRACEHOP_SPANS_FILE to a file only tracehop's processes write (or unset it) to see them",
      };
  }
}

/**
 * The spans written to `path` since `mark` (tracehop/spans `readSpansSince`: the whole file when it was
 * replaced during the run), or, when the path cannot be read back now, no spans and the `problem` to say.
 * A path the processes cannot write is theirs to refuse, each with its one line and exit 2; a path that
 * cannot be read back shows no trace, never fails the run.
 * @throws whatever `readSpansSince` throws that is no `SpansFileError` (every state of the file is one,
 *   its `code` saying which: docs/export.md, "Reading the spans file from code"): a fault of tracehop itself, not of the file, left to fail the
 *   run with its stack rather than be shown as a file to fix.
 */
export function readRunSpans(
  path: string,
  mark: SpansFileMark,
): { spans: FileSpan[]; replaced: boolean; problem?: SpansFileProblem } {
  try {
    return readSpansSince(path, mark);
  } catch (err) {
    if (!(err instanceof SpansFileError)) throw err;
    return { spans: [], replaced: false, problem: problemOf(err) };
  }
}
