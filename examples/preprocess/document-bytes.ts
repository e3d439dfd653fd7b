// The bytes of a document `npm start` submits (main.ts readDocuments), read up to a limit in a buffer sized
// from the file, not from the limit.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * The first buffer of a read whose size the file does not tell (a pipe, a character device, a `/proc` file,
 * which all say 0): 64 KiB, what a Linux pipe holds; doubled while more comes.
 */
const UNKNOWN_SIZE_FIRST_READ = 64 * 1024;

/**
 * The first `max` bytes of the file at `path` (all of it when it is shorter), read without taking more:
 * a file of gigabytes costs `max` bytes of memory, and a few-KB document a few KB (the buffer is sized from
 * the open file's size, `fstat`, capped at `max`). A file that grows while it is read, and a file with no
 * size (a named pipe, `/dev/stdin`, a `/proc` file) are still read to their end or to `max`
 * ({@link readAtMost}). Throws the file system's error (ENOENT, EACCES, EISDIR, ...).
 */
export function readFirstBytes(path: string, max: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const stats = fstatSync(fd);
    return readAtMost(fd, max, stats.isFile() ? stats.size : 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of the open file `fd` from its current position to its end, or its first `max` bytes when it
 * holds more. `expected`: the bytes it is thought to hold (a regular file's size when it was opened; 0 when
 * it does not say): the first buffer holds `expected + 1` bytes (the one more sees the end, or that the file
 * grew) or {@link UNKNOWN_SIZE_FIRST_READ} for 0, never over `max`, and is doubled, up to `max`, while it
 * fills. The result is a view of the last buffer. Throws the file system's error.
 */
export function readAtMost(fd: number, max: number, expected: number): Buffer {
  let buffer = Buffer.alloc(Math.min(max, expected > 0 ? expected + 1 : UNKNOWN_SIZE_FIRST_READ));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length >= max) break;
      const grown = Buffer.alloc(Math.min(max, length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}
