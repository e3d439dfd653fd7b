// What `npm start` (examples/preprocess/main.ts) says at the end of a run, and how it says a start-up
// refusal: a spans file that cannot be read back, a refused spans file, a rejected document, a SQLite file
// under a symbolic link to nothing. Each run as a user runs it (test/support/main-job.ts), on its own SQLite
// file; checkDatabase's line (the api, relay and worker started by hand) is checked in this process.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { BadInputError } from "../../examples/preprocess/config.js";
import { checkDatabase, prepareDatabase } from "../../examples/preprocess/db.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { exampleArgs, requireBuild } from "../support/build.js";
import { ROOT } from "../support/child-script.js";
import {
  ended,
  RUN_GUARD_MS,
  runMainJob,
  spawnTracked,
  startExample,
  type MainJobResult,
} from "../support/main-job.js";
import { HANG_GUARD_MS, SUITE_BOUND_MS, within } from "./tcp-servers.js";
import { tempDir } from "../support/temp-dir.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** `text` as a regular expression that matches it literally. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The environment of a run in `dir`: its own SQLite file and spans file, the embedded queue, no OTLP. */
const envIn = (dir: string): Record<string, string> => ({
  DATABASE_URL: `file:${join(dir, "x.db")}`,
  TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
  AMQP_URL: "",
  OTEL_EXPORTER_OTLP_ENDPOINT: "",
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  // A loaded machine may take more than the default minute to start the three processes; each test's
  // timeout still bounds the run.
  TRACEHOP_START_TIMEOUT_MS: "600000",
});

describe("npm start: the end of a run", () => {
  test(
    "TRACEHOP_SPANS_FILE=/dev/null: the jobs run (exit 0) and the last line says why no trace is shown",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-null");
      const doc = join(dir, "doc.txt");
      writeFileSync(doc, "One sentence. Two.");
      const one = join(dir, "one.txt");
      writeFileSync(one, "Just one.");
      const r = await runMainJob([doc, one], { ...envIn(dir), TRACEHOP_SPANS_FILE: "/dev/null" });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /doc\.txt: job [0-9a-f-]+ done, 2 sentences\n/);
      assert.match(r.stdout, /one\.txt: job [0-9a-f-]+ done, 1 sentence\n/);
      // Guards against "doc.txt: no spans found for job … in /dev/null", "spans: /dev/null", as if nothing
      // was traced.
      assert.doesNotMatch(r.stdout, /no spans found/);
      assert.ok(
        r.stdout.endsWith(
          "\nspans: /dev/null is a character device, not a regular file: the spans written there cannot be read back, so no trace is shown; set TRACEHOP_SPANS_FILE to a regular file (or unset it) to see them\n",
        ),
        r.stdout,
      );
    },
  );

  test(
    "a spans path that turns bad during the run (its folder replaced by a file): the jobs shown without trace and one line, no stack",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-spans-gone");
      const folder = join(dir, "spans");
      mkdirSync(folder);
      const spansFile = join(folder, "spans.jsonl");
      const doc = join(dir, "doc.txt");
      writeFileSync(doc, "One sentence. Two.");
      // Broken as soon as the job is said done: before npm start stops the processes and reads the file back.
      const child = spawnTracked(process.execPath, [...exampleArgs("main"), doc], {
        cwd: ROOT,
        env: { ...process.env, ...envIn(dir), TRACEHOP_SPANS_FILE: spansFile },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let broken = false;
      child.stdout!.on("data", (d) => {
        stdout += d;
        if (broken || !/doc\.txt: job \S+ done/.test(stdout)) return;
        broken = true;
        // Moved aside, not removed: the processes may still be writing spans into it, and a recursive
        // remove then meets the file written again after its unlink (ENOTEMPTY, seen in a CI run).
        renameSync(folder, `${folder}.gone`);
        writeFileSync(folder, "");
      });
      child.stderr!.on("data", (d) => (stderr += d));
      // On "close", not "exit": every line the process wrote, its last one too, has been read by then.
      const result = new Promise<MainJobResult>((done) =>
        child.on("close", (code) => done({ code, stdout, stderr })),
      );
      const r = await ended(
        { child, result },
        "npm start's run whose spans folder was replaced",
        RUN_GUARD_MS,
      );
      assert.ok(broken, r.stdout);
      // Guards against the ENOTDIR of statSync thrown out of showTraces: a stack trace and exit 1.
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.match(r.stdout, /\n\S*doc\.txt {2}job [0-9a-f-]+ {2}done\n/);
      assert.ok(
        r.stdout.endsWith(
          `\nspans: ${spansFile} cannot be read (ENOTDIR: not a directory, open '${spansFile}'): the spans written there cannot be read back, so no trace is shown; make it a readable regular file, or set TRACEHOP_SPANS_FILE to one (or unset it), to see them\n`,
        ),
        r.stdout,
      );
    },
  );

  test(
    "TRACEHOP_SPANS_FILE holding a line break (startTracing refuses such a spansFile): one line saying what to remove, exit 2",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "h3-summary-lf");
      const path = join(dir, "spans.jsonl\n");
      const r = await runMainJob([], { ...envIn(dir), TRACEHOP_SPANS_FILE: path });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^\\[(api|relay|worker)\\] tracehop preprocess: \\1: TRACEHOP_SPANS_FILE must not hold a control character or a lone surrogate: its character ${path.length} is U\\+000A \\(line feed\\), got "[^\\n]*; remove it from the variable; exiting with code 2\\n$`,
        ),
      );
      assert.equal(existsSync(path), false);
    },
  );

  test(
    "a spans file that the processes refuse (a named pipe): one line saying what to set, exit 2",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-fifo");
      const fifo = join(dir, "spans.fifo");
      execFileSync("mkfifo", [fifo]);
      // A main.ts that reads the pipe back (as it once did) blocks in that read, where a SIGTERM handler never
      // runs: runMainJob's hang guard kills it with SIGKILL, and the failure says which run hung.
      const r = await runMainJob([], { ...envIn(dir), TRACEHOP_SPANS_FILE: fifo });
      assert.equal(r.code, 2, r.stderr);
      // Guards against the api's line followed by "tracehop preprocess: api exited with code 2 before it was
      // ready" and "spans: <the fifo>", and each process that checks the file saying the same line again.
      assert.match(
        r.stderr,
        new RegExp(
          `^\\[(api|relay|worker)\\] tracehop preprocess: \\1: the spans file ${fifo} is a named pipe, not a file \\(a write would block the process while nothing reads it\\): set TRACEHOP_SPANS_FILE to a file in a writable folder \\(missing folders are created\\); exiting with code 2\\n$`,
        ),
      );
      assert.equal(r.stdout, "");
    },
  );

  test(
    "a spans file that cannot even be looked at (under a regular file, through a loop of links): the processes' one line, exit 2, no crash",
    // Two runs, each bounded by RUN_GUARD_MS.
    { timeout: 2 * RUN_GUARD_MS },
    async (t) => {
      const dir = tempDir(t, "summary-unstattable");
      const file = join(dir, "a-file");
      writeFileSync(file, "not a folder");
      symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
      symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
      const underFile = join(file, "spans.jsonl");
      const throughLoop = join(dir, "loop-a", "spans.jsonl");
      for (const [spans, why] of [
        [underFile, `is under "${file}", which is a file, not a folder \\(no folder can be created there\\)`],
        [
          throughLoop,
          `cannot be checked \\(ELOOP: too many symbolic links encountered, stat "${throughLoop}"\\)`,
        ],
      ] as const) {
        const r = await runMainJob([], { ...envIn(dir), TRACEHOP_SPANS_FILE: spans });
        // Guards against main.ts's own stat of the file (where the run's spans start) throwing ENOTDIR or
        // ELOOP: Node's report of an uncaught error, stack and all, exit 1, before any process started.
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `^\\[(api|relay|worker)\\] tracehop preprocess: \\1: the spans file ${spans} ${why}: set TRACEHOP_SPANS_FILE to a file in a writable folder \\(missing folders are created\\); exiting with code 2\\n$`,
          ),
        );
        assert.equal(r.stdout, "");
      }
    },
  );

  test(
    "jobs a worker started by hand on the same database took: each printed tree has the worker's spans, written by that worker after the run's own processes stopped",
    // Its waits: the other worker's READY and exit (a hang guard each) and the run (RUN_GUARD_MS).
    { timeout: RUN_GUARD_MS + 2 * HANG_GUARD_MS },
    async (t) => {
      const dir = tempDir(t, "summary-other-worker");
      migrateSqlite(join(dir, "x.db"));
      // Polling every 10 ms, it takes most jobs before the run's own worker (100 ms) does; its spans leave it
      // 3 s after each batch's first, after the run has stopped its own processes and read the file.
      const other = startExample("worker", {
        ...envIn(dir),
        TRACEHOP_POLL_MS: "10",
        OTEL_BSP_SCHEDULE_DELAY: "3000",
      });
      try {
        await within(other.ready, HANG_GUARD_MS, "the other worker's READY");
        const docs = [1, 2, 3, 4, 5, 6].map((i) => {
          const doc = join(dir, `doc${i}.txt`);
          writeFileSync(doc, `Document ${i}. Its second sentence.`);
          return doc;
        });
        const r = await runMainJob(docs, envIn(dir));
        assert.equal(r.code, 0, r.stderr);
        const trees = r.stdout.split("\n\n").filter((block) => /^\S+doc\d\.txt {2}job /.test(block));
        assert.equal(trees.length, 6, r.stdout);
        // Guards against a tree that ends at the relay's publish span, as if the trace broke there: the
        // spans file was read before the other worker had written the job's spans.
        for (const tree of trees)
          assert.match(
            tree,
            /\ntracehop-preprocess-relay +publish preprocess-jobs .*\ntracehop-preprocess-worker +process preprocess-jobs .*\ntracehop-preprocess-worker +sentences\.split .*\ntracehop-preprocess-worker +sentences\.store /,
            tree,
          );
      } finally {
        other.child.kill("SIGTERM");
        await ended(other, "the other worker's exit on SIGTERM");
      }
    },
  );

  test("a rejected document is named again in the last lines", { timeout: SUITE_BOUND_MS }, async (t) => {
    const dir = tempDir(t, "summary-empty");
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "  \n");
    const r = await runMainJob([empty], envIn(dir));
    assert.equal(r.code, 1, r.stderr);
    const why = "the document is empty: send some text to preprocess";
    // An absolute path outside the working folder is named as given (it was "../../tmp/…/empty.txt").
    assert.match(r.stderr, new RegExp(`^${empty}: rejected \\(400\\): ${why}\\n`, "m"));
    // Guards against saying it once, among the processes' lines, and not in the summary.
    const last = r.stderr.trimEnd().split("\n").at(-1)!;
    assert.match(
      last,
      new RegExp(`^tracehop preprocess: 1 of 1 document rejected by the api: ${empty} \\(400: ${why}\\)$`),
    );
  });

  test(
    "a document over the api's 5 MiB, whatever its size (3 GiB): rejected by the api (413) as any, not read whole first",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-huge");
      const huge = join(dir, "huge.txt");
      // Sparse: 3 GiB on disk costs nothing. Node reads no file over 2 GiB whole (ERR_FS_FILE_TOO_LARGE),
      // and one under it took its size in memory (1.2 GB for 1.2 GB) before the api refused it.
      writeFileSync(huge, "");
      truncateSync(huge, 3 * 1024 ** 3);
      const r = await runMainJob([huge], envIn(dir));
      assert.equal(r.code, 1, r.stderr);
      const why =
        "document too large: the limit is 5242880 bytes (5 MiB): send it as several smaller documents";
      // Guards against "tracehop preprocess: cannot read …/huge.txt: File size (3221225472) is greater than
      // 2 GiB", exit 2, which says nothing of the limit.
      assert.match(r.stderr, new RegExp(`^${huge}: rejected \\(413\\): ${escape(why)}\\n`, "m"));
      assert.equal(
        r.stderr.trimEnd().split("\n").at(-1),
        `tracehop preprocess: 1 of 1 document rejected by the api: ${huge} (413: ${why})`,
      );
    },
  );

  test("a failed job says why, in its line and in the last lines", { timeout: SUITE_BOUND_MS }, async (t) => {
    const dir = tempDir(t, "summary-failed");
    const many = join(dir, "many.txt");
    // One sentence more than a job may have (config.ts MAX_SENTENCES): the worker fails the job.
    writeFileSync(many, "Hi. ".repeat(100_001));
    const one = join(dir, "one.txt");
    writeFileSync(one, "Just one.");
    const r = await runMainJob([many, one], envIn(dir));
    assert.equal(r.code, 1, r.stderr);
    const why =
      "the document has more than 100000 sentences, the limit of a job: send it as several smaller documents";
    assert.match(r.stdout, new RegExp(`many\\.txt: job [0-9a-f-]+ failed, 0 sentences: ${why}\\n`));
    assert.match(r.stdout, /one\.txt: job [0-9a-f-]+ done, 1 sentence\n/);
    // Guards against "did not finish: …many.txt (failed)", the reason said only among the worker's lines.
    const last = r.stderr.trimEnd().split("\n").at(-1)!;
    assert.equal(last, `tracehop preprocess: 1 of 2 jobs did not finish: ${many} (failed: ${why})`);
  });

  /**
   * main.ts with `args`, `input` written to its standard input (a pipe: a socket, as Node's spawn makes it),
   * which is then closed; the result.
   */
  function runWithInput(args: string[], env: Record<string, string>, input: string): Promise<MainJobResult> {
    const child = spawnTracked(process.execPath, [...exampleArgs("main"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(input);
    // On "close", not "exit": every line the process wrote, its last one too, has been read by then.
    const result = new Promise<MainJobResult>((done) =>
      child.on("close", (code) => done({ code, stdout, stderr })),
    );
    return ended({ child, result }, `npm start ${args.join(" ")} reading its standard input`, RUN_GUARD_MS);
  }

  test(
    "a document piped to standard input (/dev/stdin) and one from a named pipe are read as files are, to their end",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-stdin");
      const fifo = join(dir, "doc.fifo");
      execFileSync("mkfifo", [fifo]);
      // Its writer waits until main.ts opens it to read.
      createWriteStream(fifo).end("Just one.");
      const r = await runWithInput(["/dev/stdin", fifo], envIn(dir), "One sentence. Two.");
      assert.equal(r.code, 0, r.stderr);
      // Guards against "/dev/stdin is not a file: pass text files to preprocess" (exit 2).
      assert.match(r.stdout, /^\/dev\/stdin: job [0-9a-f-]+ done, 2 sentences$/m);
      assert.match(r.stdout, new RegExp(`^${escape(fifo)}: job [0-9a-f-]+ done, 1 sentence$`, "m"));
    },
  );

  test("standard input named twice (- and /dev/stdin): refused before anything starts, exit 2", async (t) => {
    const dir = tempDir(t, "summary-stdin-twice");
    const r = await runWithInput(["-", "/dev/stdin"], envIn(dir), "One sentence.");
    assert.deepEqual(
      [r.code, r.stderr, r.stdout],
      [
        2,
        "tracehop preprocess: - and /dev/stdin both name standard input, which holds one document: name it once\n",
        "",
      ],
    );
  });

  test("under npm, a relative document path is read from the folder npm start was typed in (INIT_CWD)", async (t) => {
    const dir = tempDir(t, "summary-init-cwd");
    mkdirSync(join(dir, "texts"));
    const env = { ...envIn(dir), npm_lifecycle_event: "start", INIT_CWD: dir };
    // A folder where a file should be: refused before anything starts, named as the user wrote it.
    const r = await runMainJob(["texts"], env);
    assert.deepEqual(
      [r.code, r.stderr, r.stdout],
      [2, "tracehop preprocess: texts is not a file: pass text files to preprocess\n", ""],
    );
    // Guards against reading from the package's root, where npm runs the script.
    const missing = await runMainJob(["texts/none.txt"], env);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      new RegExp(
        `^tracehop preprocess: texts/none\\.txt does not exist \\(${join(dir, "texts", "none.txt")}\\): pass text files to preprocess\\n$`,
      ),
    );
  });

  test(
    "a SQLite DATABASE_URL under a symbolic link to a missing folder: one line naming the link and its target, exit 2",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "summary-link");
      const link = join(dir, "data");
      const target = join(dir, "gone");
      symlinkSync(target, link);
      const url = `file:${join(link, "x.db")}`;
      const r = await runMainJob([], { ...envIn(dir), DATABASE_URL: url });
      // Guards against "…: ENOENT: no such file or directory, mkdir '<link>'. Fix DATABASE_URL
      // (file:PATH), …".
      assert.deepEqual(
        [r.code, r.stderr, r.stdout],
        [
          2,
          `tracehop preprocess: cannot prepare the database of DATABASE_URL (${url}): its folder ${link} is a symbolic link to ${target}, which does not exist. Create ${target} or point the link to an existing folder, or fix DATABASE_URL (file:PATH), or unset it to use the embedded SQLite file.\n`,
          "",
        ],
      );
      assert.equal(existsSync(target), false, "nothing created through the link");
    },
  );
});

describe("a SQLite file whose folders cannot hold it: prepareDatabase and checkDatabase say which, in one line", () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  /** Asserts that `promise` rejects with a BadInputError whose message is `message`. */
  async function refused(promise: Promise<unknown>, message: string): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof BadInputError, String(err));
      assert.equal(err.message, message);
      return true;
    });
  }
  const unset = "or fix DATABASE_URL (file:PATH), or unset it to use the embedded SQLite file.";

  /** Asserts what prepareDatabase and checkDatabase say of the SQLite `file` (`what` is wrong, `fix` it). */
  async function refusedWithFix(file: string, what: string, fix: string): Promise<void> {
    process.env.DATABASE_URL = `file:${file}`;
    const name = `DATABASE_URL (file:${file})`;
    await refused(
      prepareDatabase(),
      `cannot prepare the database of ${name}: ${what}. ${fix.charAt(0).toUpperCase()}${fix.slice(1)}, ${unset}`,
    );
    await refused(
      checkDatabase(),
      `the database of ${name} does not exist (${what}): ${fix}, then create and migrate it with npm run migrate (same DATABASE_URL); or fix DATABASE_URL.`,
    );
  }

  test("a link to nothing as its folder or higher up the path (through other links), a loop of links, a link to a file, a file where a folder should be", async (t) => {
    const dir = tempDir(t, "folder-problems");
    mkdirSync(join(dir, "real"));
    writeFileSync(join(dir, "plain"), "");
    symlinkSync(join(dir, "gone", "deeper"), join(dir, "nowhere"));
    symlinkSync(join(dir, "plain"), join(dir, "to-file"));
    symlinkSync(join(dir, "gone"), join(dir, "data"));
    // A chain of two links, the second to nothing (the first's target exists: as a link), and a loop.
    symlinkSync(join(dir, "data"), join(dir, "chain"));
    symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
    symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
    for (const [path, what, fix] of [
      [
        join(dir, "chain", "x.db"),
        `its folder ${join(dir, "chain")} is a symbolic link to ${join(dir, "gone")} (through ${join(dir, "data")}), which does not exist`,
        `create ${join(dir, "gone")} or point the link to an existing folder`,
      ],
      [
        join(dir, "loop-a", "x.db"),
        `its folder ${join(dir, "loop-a")} is a symbolic link in a loop of links`,
        "point the link to an existing folder",
      ],
      [
        join(dir, "data", "x.db"),
        `its folder ${join(dir, "data")} is a symbolic link to ${join(dir, "gone")}, which does not exist`,
        `create ${join(dir, "gone")} or point the link to an existing folder`,
      ],
      [
        join(dir, "nowhere", "sub", "x.db"),
        `${join(dir, "nowhere")}, a folder of its path, is a symbolic link to ${join(dir, "gone", "deeper")}, which does not exist`,
        `create ${join(dir, "gone", "deeper")} or point the link to an existing folder`,
      ],
      [
        join(dir, "to-file", "x.db"),
        `its folder ${join(dir, "to-file")} is a symbolic link to ${join(dir, "plain")}, which is a file, not a folder`,
        "point the link to a folder",
      ],
      [
        join(dir, "plain", "x.db"),
        `its folder ${join(dir, "plain")} is a file, not a folder`,
        "move that file away",
      ],
    ] as const) {
      await refusedWithFix(path, what, fix);
    }
    // A missing folder under real folders is no problem: the migration creates it.
    process.env.DATABASE_URL = `file:${join(dir, "real", "new", "x.db")}`;
    assert.equal((await prepareDatabase()).length > 0, true);
    assert.equal(existsSync(join(dir, "gone")), false, "nothing created through a link");
  });

  test("the file itself: a link to nothing in a missing folder, a link in a loop, a folder, a link to a folder", async (t) => {
    const dir = tempDir(t, "file-problems");
    mkdirSync(join(dir, "real"));
    mkdirSync(join(dir, "a-folder"));
    symlinkSync(join(dir, "gone", "x.db"), join(dir, "real", "dangling.db"));
    symlinkSync(join(dir, "real", "loop-b.db"), join(dir, "real", "loop-a.db"));
    symlinkSync(join(dir, "real", "loop-a.db"), join(dir, "real", "loop-b.db"));
    symlinkSync(join(dir, "a-folder"), join(dir, "real", "to-folder.db"));
    for (const [file, what, fix] of [
      [
        join(dir, "real", "dangling.db"),
        `${join(dir, "real", "dangling.db")} is a symbolic link to ${join(dir, "gone", "x.db")}, whose folder ${join(dir, "gone")} does not exist`,
        `create ${join(dir, "gone")} or point the link elsewhere`,
      ],
      [
        join(dir, "real", "loop-a.db"),
        `${join(dir, "real", "loop-a.db")} is a symbolic link in a loop of links`,
        "point the link to a file",
      ],
    ] as const) {
      await refusedWithFix(file, what, fix);
    }
    for (const [file, what] of [
      ["", "its path is empty"],
      [join(dir, "a-folder"), `${join(dir, "a-folder")} is a folder, not a file`],
      [
        join(dir, "real", "to-folder.db"),
        `${join(dir, "real", "to-folder.db")} is a symbolic link to a folder, not a file`,
      ],
    ] as const) {
      process.env.DATABASE_URL = `file:${file}`;
      const name = `DATABASE_URL (file:${file})`;
      await refused(
        prepareDatabase(),
        `cannot prepare the database of ${name}: ${what}. Fix DATABASE_URL (file:PATH), or unset it to use the embedded SQLite file.`,
      );
      await refused(
        checkDatabase(),
        `the database of ${name} cannot be opened (${what}): fix DATABASE_URL (file:PATH names the file).`,
      );
    }
    // A link to nothing in an existing folder is no problem: SQLite creates the file it points to.
    symlinkSync(join(dir, "real", "target.db"), join(dir, "real", "ahead.db"));
    process.env.DATABASE_URL = `file:${join(dir, "real", "ahead.db")}`;
    assert.equal((await prepareDatabase()).length > 0, true);
    assert.equal(existsSync(join(dir, "real", "target.db")), true, "created through the link");
  });
});
