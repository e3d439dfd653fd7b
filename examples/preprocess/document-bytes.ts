// The bytes of a document `npm start` submits (main.ts readDocuments), read up to a limit in a buffer sized
// from the file, not from the limit.
import { closeSync, fstatSync, openSync, readSync, type Stats } from "node:fs";

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

/**
 * Whether `stats` (of a path, symbolic links followed) are those of this process's standard input: the same
 * device and inode as file descriptor 0. What `/dev/stdin`, `/dev/fd/0` and `/proc/self/fd/0` name on Linux,
 * whatever standard input is (a pipe, a socket, a terminal, a file): read with {@link readStandardInput}, since
 * a socket (what Node's `spawn` gives a child for a piped stdin) cannot be opened by its path (ENXIO).
 * False when standard input is closed.
 */
export function isStandardInput(stats: Stats): boolean {
  try {
    const stdin = fstatSync(0);
    return stats.dev === stdin.dev && stats.ino === stdin.ino;
  } catch {
    return false;
  }
}

/**
 * The first `max` bytes of this process's standard input (all of it when it ends before), read as a stream
 * to its end (EOF: the writer closed the pipe, Ctrl-D at a terminal) or until `max` bytes came, then
 * closed: a pipe of gigabytes costs about `max` bytes of memory, as {@link readFirstBytes} reads a file.
 * Works whatever standard input is (a pipe, a socket, a terminal, a file), which a read of file descriptor
 * 0 by path or with readSync does not (a socket cannot be opened; a non-blocking pipe answers EAGAIN).
 * Rejects with the stream's error (EISDIR, EIO, ...).
 */
export function readStandardInput(max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (error?: Error) => {
      stdin.off("data", onData).off("end", onEnd).off("error", done);
      stdin.destroy();
      if (error !== undefined) reject(error);
      else resolve(Buffer.concat(chunks, length).subarray(0, max));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= max) done();
    };
    const onEnd = () => done();
    stdin.on("data", onData).once("end", onEnd).once("error", done);
  });
}
