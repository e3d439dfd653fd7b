// The main job: runs the api, relay and worker as three processes, submits documents over HTTP as a
// client would, waits until every job is done, stops the processes (spans flushed) and prints each
// job's trace as a tree. Usage: npm start [-- FILE...]  (default: the project's README.md; - or /dev/stdin:
// standard input)
import { randomUUID } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import {
  endingSignalLine,
  escapedAsUnicode,
  UNSEEN_IN_A_TERMINAL,
  exitForBadInput,
  exitOnBadInput,
  exitOnSettingProblems,
  firstLine,
  isEndingMessage,
  MAX_DOCUMENT_BYTES,
  MAX_TIMER_MS,
  PROJECT_ROOT,
  setting,
  shutdownTimeoutMs,
  signalExitCode,
  spansFile,
  stoppedLine,
} from "./config.js";
import { databaseName, openDatabase, prepareDatabase } from "./db.js";
import { isStandardInput, readFirstBytes, readStandardInput } from "./document-bytes.js";
import { problemLines, type Job, type Submission } from "./run-report.js";
import { setAsideReasons } from "./set-aside.js";
import { readRunSpans } from "./run-spans.js";
import {
  formatTraceTree,
  spansFileMark,
  traceIdLine,
  type FileSpan,
  type SpansFileMark,
} from "tracehop/spans";

const JOB_TIMEOUT_MS = setting("TRACEHOP_JOB_TIMEOUT_MS");
const START_TIMEOUT_MS = setting("TRACEHOP_START_TIMEOUT_MS");
/**
 * How long a process may take to stop before it is killed, in milliseconds: its spans' shutdown bound
 * (TRACEHOP_SHUTDOWN_TIMEOUT_MS, 5 s by default) and 10 s more for the rest of its stop (the api's
 * requests: api.ts STOP_GRACE_MS), 15 s by default; at most the longest timer.
 */
const STOP_TIMEOUT_MS = Math.min(MAX_TIMER_MS, shutdownTimeoutMs() + 10_000);
/** Submissions of one document while the api answers 503 (database busy). */
const SUBMIT_ATTEMPTS = 3;

/** Whether the process has ended (exited or killed), whoever ended it. */
function hasEnded({ child }: Started): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Whether the process has ended, or said that it is ending ({@link Started.ending}). */
function hasEndedOrIsEnding(p: Started): boolean {
  return p.ending || hasEnded(p);
}

/** A process that exited before it was ready; code 2: it refused bad input and said why (a port in use). */
class ExitedBeforeReady extends Error {
  constructor(
    /** The process (`api`, `relay`, `worker`). */
    readonly processName: string,
    readonly code: number | null,
  ) {
    super(`${processName} exited with code ${code} before it was ready`);
  }
}

interface Started {
  name: string;
  child: ChildProcess;
  ready: Promise<string>;
  /**
   * Set when the process said it is ending on its own (it lost the broker) by its IPC message (config.ts
   * ENDING_MESSAGE), whenever it comes: before all three are ready too (a worker that lost RabbitMQ while the
   * relay still started: nothing is submitted to it then). The message is the only sign read: tracing.ts
   * onShutdownSignal sends it as the stop begins, before anything of that stop, and the line saying why
   * (config.ts endingLine: `…; exiting with code 1 to be started again`) only once that stop is done, seconds
   * later, right before the exit. Under `npm start` no such line comes after READY without the message: the
   * other writer of that line, config.ts exitOnStartFailure, ends a process before its READY (said as an
   * exit before it was ready). The line was also read once, as a second sign: it added nothing the message
   * had not said earlier, and {@link stopOnce} waits for the IPC channel's close, so that a message sent
   * while the run stopped is read before the run's verdict ({@link Processes.stop}).
   */
  ending: boolean;
  /**
   * Set when this process sent it its SIGTERM ({@link stopOnce}): its line saying it stopped on it with code
   * 0 is not shown, this process's own last line says how the run ended (a line with another code is), nor
   * its line saying that SIGTERM came while it was ending on its own (config.ts endingSignalLine).
   */
  stopped: boolean;
}

/**
 * The stderr lines the processes said before every one of them was ready, by their text after the process's
 * name (`tracehop preprocess: api: `, config.ts exitForBadInput): a refusal that each of them says alike (a
 * spans file that cannot be written, checked by all three at start) is shown once, as the first process said
 * it (`[api] tracehop preprocess: api: the spans file …`): the setting it names is the same for all three.
 */
const startupLines = new Set<string>();
/** Whether every process has said READY: from then on each stderr line is shown, whoever said it before. */
let allReady = false;

/**
 * What runs a process's file: plain Node for the compiled example (`npm start` runs dist/example/examples/preprocess/main.js,
 * and starts api.js, relay.js, worker.js beside it), tsx for the sources (`node --import tsx examples/preprocess/main.ts`).
 */
const PROCESS_LOADER = import.meta.filename.endsWith(".ts") ? ["--import", "tsx"] : [];

function startProcess(name: string): Started {
  const child = spawn(
    process.execPath,
    [...PROCESS_LOADER, resolve(import.meta.dirname, `${name}${extname(import.meta.filename)}`)],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PORT: process.env.PORT ?? "0" },
      // The IPC channel closes when this process dies, however it dies: the children then stop too.
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // A process group of its own: a Ctrl-C in the terminal signals the whole foreground group, and a child
      // that got it would take this process's SIGTERM that follows for a second signal (exit at once, spans
      // not flushed). This process stops them itself, once each.
      detached: true,
    },
  );
  const ready = new Promise<string>((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      console.log(`[${name}] ${line}`);
      if (line.endsWith("READY")) resolveReady(line);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (
        started.stopped &&
        (line === stoppedLine("SIGTERM", 0, name) || line === endingSignalLine("SIGTERM", name))
      )
        return;
      if (!allReady) {
        const own = `tracehop preprocess: ${name}: `;
        const said = line.startsWith(own)
          ? `tracehop preprocess: <process>: ${line.slice(own.length)}`
          : line;
        if (startupLines.has(said)) return;
        startupLines.add(said);
      }
      console.error(`[${name}] ${line}`);
    });
    child.once("exit", (code) => reject(new ExitedBeforeReady(name, code)));
  });
  child.on("message", (message) => {
    if (isEndingMessage(message)) started.ending = true;
  });
  ready.catch(() => undefined);
  const started: Started = { name, child, ready, ending: false, stopped: false };
  return started;
}

/** The stop of each process under way ({@link stopProcess}): a second call waits for the first. */
const stops = new WeakMap<Started, Promise<boolean>>();

/**
 * Stops the process (SIGTERM, then SIGKILL after {@link STOP_TIMEOUT_MS}); false when it had ended already.
 * Once per process: a second SIGTERM would end it at once, its spans not flushed (tracing.ts onShutdownSignal).
 */
function stopProcess(started: Started): Promise<boolean> {
  let stop = stops.get(started);
  if (stop === undefined) stops.set(started, (stop = stopOnce(started)));
  return stop;
}

async function stopOnce(started: Started): Promise<boolean> {
  if (hasEnded(started)) return false;
  const { name, child } = started;
  // Its 'close', not its 'exit': that comes once its stdout, stderr and IPC channel have closed too, so every
  // line it wrote and every message it sent (an ENDING_MESSAGE sent just before this SIGTERM reached it) has
  // been read by then.
  const exited = new Promise<void>((done) => child.once("close", () => done()));
  started.stopped = true;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    console.error(`[${name}] did not stop within ${STOP_TIMEOUT_MS} ms: killed`);
    child.kill("SIGKILL");
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  return true;
}

/**
 * The folder the user's relative paths are read from: the one `npm start` was typed in (npm runs the
 * script in the package's root and keeps the user's folder in INIT_CWD), else the working directory.
 */
function userFolder(): string {
  const { INIT_CWD, npm_lifecycle_event } = process.env;
  return npm_lifecycle_event !== undefined && INIT_CWD ? INIT_CWD : process.cwd();
}

/**
 * `path` as a message about it names it: each character a terminal shows as nothing or that reorders what
 * is shown written as its escape (`doc\u200b.txt`: C0 and C1 controls, a soft hyphen, zero width spaces
 * and joiners, directional marks and isolates, the word joiner, a byte order mark:
 * {@link UNSEEN_IN_A_TERMINAL}), as `tracehop inspect` escapes them. A zero width space pasted into a name, echoed as it is, read
 * `doc.txt does not exist` beside a doc.txt that does. Other letters (`résumé.txt`) are shown as they are.
 */
function shownPath(path: string): string {
  return escapedAsUnicode(path, UNSEEN_IN_A_TERMINAL);
}

/**
 * The documents to submit, each read whole up to one byte over the api's limit (MAX_DOCUMENT_BYTES, 5 MiB):
 * a larger file is sent as those bytes, which the api refuses as it refuses the whole (413, "document too
 * large"), never read whole first (1.2 GB of memory for a 1.2 GB file; Node reads no file over 2 GiB at
 * once). Relative paths are read from {@link userFolder}; a document is
 * named in the output as the user wrote it (the default README, an absolute path, by its path relative
 * to that folder when it is inside it). A path that cannot be read exits 2 naming it.
 *
 * Besides files: `-`, or a path naming standard input (`/dev/stdin`, `/dev/fd/0`: `cat doc.txt | npm start
 * -- -`), reads the document from standard input to its end (document-bytes.ts readStandardInput), whatever
 * it is (a pipe, a socket, a terminal: Ctrl-D ends it there, a line on stderr says so); once only, since it
 * holds one document (named twice: exit 2). A named pipe or another character device (`<(cmd)`, a FIFO made
 * with mkfifo, `/dev/null`) is read as a file is, to its end, with the same limit. A folder, a socket or a
 * block device is refused as not a file. A file named `-` is passed as `./-`.
 */
async function readDocuments(files: string[]): Promise<{ file: string; text: Buffer }[]> {
  const base = userFolder();
  const documents: { file: string; text: Buffer }[] = [];
  /** How the user named standard input, once a document was read from it. */
  let stdinNamed: string | undefined;
  for (const file of files) {
    const path = resolve(base, file);
    let text: Buffer;
    let fromStdin = file === "-";
    try {
      if (!fromStdin) {
        const stats = statSync(path);
        fromStdin = isStandardInput(stats);
        if (!fromStdin && !stats.isFile() && !stats.isFIFO() && !stats.isCharacterDevice())
          exitForBadInput(`${shownPath(file)} is not a file: pass text files to preprocess`);
      }
      if (fromStdin) {
        if (stdinNamed !== undefined)
          exitForBadInput(
            `${shownPath(stdinNamed)} and ${shownPath(file)} both name standard input, which holds one document: name it once`,
          );
        stdinNamed = file;
        if (process.stdin.isTTY)
          console.error(
            `tracehop preprocess: reading ${shownPath(file)} from the terminal: type the document, then Ctrl-D at the start of a line`,
          );
        text = await readStandardInput(MAX_DOCUMENT_BYTES + 1);
      } else {
        // Sent as the file's bytes: the api decides whether they are UTF-8 text.
        text = readFirstBytes(path, MAX_DOCUMENT_BYTES + 1);
      }
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      exitForBadInput(
        fromStdin
          ? `cannot read ${shownPath(file)} (standard input): ${(err as Error).message}`
          : code === "ENOENT" || code === "ENOTDIR"
            ? `${shownPath(file)} does not exist${path === file ? "" : ` (${shownPath(path)})`}: pass text files to preprocess`
            : code === "EACCES" || code === "EPERM"
              ? `cannot read ${shownPath(file)}${path === file ? "" : ` (${shownPath(path)})`}: permission denied; make it readable or pass another file`
              : `cannot read ${shownPath(file)}: ${(err as Error).message}`,
      );
    }
    const inside = relative(base, path);
    const shown = !isAbsolute(file)
      ? file
      : inside && inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)
        ? inside
        : path;
    documents.push({ file: shown, text });
  }
  return documents;
}

/**
 * With AMQP_URL set, the broker must answer before the database is prepared and the processes start
 * (within TRACEHOP_CONNECT_TIMEOUT_MS, 10 s by default); else exit 2 with what to fix, as the worker and
 * the relay say it (queue-amqp.ts connectAmqp), and nothing is written.
 */
async function checkBroker(): Promise<void> {
  const url = process.env.AMQP_URL;
  if (!url) return;
  const { closeAmqp, connectAmqp } = await import("./queue-amqp.js");
  const connection = await connectAmqp(url).catch(exitOnBadInput);
  // The broker answered: a connection that drops while it closes (its 'error' heard by connectAmqp's
  // listener) changes nothing of that, and closeAmqp does not wait for a close-ok that cannot come.
  await closeAmqp(connection);
}

/**
 * Reads the status of `jobs` from the database (DATABASE_URL) into them, each changed one said in a line as
 * the polls say it; when the database cannot be read, says so and leaves them as the api last answered.
 */
async function readFinalStatuses(jobs: Job[]): Promise<void> {
  if (jobs.length === 0) return;
  const db = await openDatabase();
  try {
    const rows = await db.preprocessJob.findMany({
      where: { id: { in: jobs.map((j) => j.id) } },
      select: { id: true, status: true, _count: { select: { sentences: true } } },
    });
    for (const row of rows) {
      const job = jobs.find((j) => j.id === row.id)!;
      if (row.status === job.status) continue;
      job.status = row.status;
      console.log(
        `${job.file}: job ${job.id} ${row.status}, ${sentences(row._count.sentences)} (read from the database)`,
      );
    }
    // A job still pending because the broker refused its message (its outbox row set aside): said why, not
    // only that the run's wait ran out.
    const pending = jobs.filter((j) => j.status === "pending");
    const reasons = await setAsideReasons(
      db,
      pending.map((j) => j.id),
    );
    for (const job of pending) job.reason = reasons.get(job.id) ?? job.reason;
  } catch (err) {
    console.error(
      `tracehop preprocess: cannot read the jobs' statuses from the database of ${databaseName()}: ${firstLine(err)}; they are shown as the api last answered`,
    );
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}

/**
 * Whether the trace of job `jobId` in `spans` lacks a hop: it has the api's span naming the job
 * (`preprocess.job.id`), but no span of the relay or none of the worker, as a job the worker processed
 * has. False when the api's span is not there either (the spans file was moved away: said otherwise).
 */
function lacksAHop(spans: FileSpan[], jobId: string): boolean {
  const marker = spans.find((s) => s.attributes["preprocess.job.id"] === jobId && s.service.endsWith("-api"));
  if (marker === undefined) return false;
  const trace = spans.filter((s) => s.traceId === marker.traceId);
  return !["-relay", "-worker"].every((suffix) => trace.some((s) => s.service.endsWith(suffix)));
}

/**
 * How long `npm start` waits, in milliseconds, for spans that a process outside the run writes to the spans
 * file: OpenTelemetry's batch delay, OTEL_BSP_SCHEDULE_DELAY (ms; 5000 by default, as the SDK reads it; a
 * value that is no whole number of milliseconds is taken as that default, at most 60000 counted), and 1 s
 * for the write. Such a process runs with its own environment: this run's value is the best guess of it.
 */
function outsideSpansWaitMs(): number {
  const text = process.env.OTEL_BSP_SCHEDULE_DELAY ?? "";
  const delay = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : 5000;
  return Math.min(delay, 60_000) + 1000;
}

/**
 * Prints each job's trace as a tree, read back from the spans file `spansPath` since `mark` (what this run
 * appended; the whole file when it was replaced during the run: run-spans.ts readRunSpans), then the
 * file's path. A spans file that is not a regular file (TRACEHOP_SPANS_FILE=/dev/null,
 * which the processes may write to: the user's choice) cannot be read back: it is not read (a named pipe
 * would block), each job is shown without its trace, and the last line says why and what to set instead.
 * So is a path that turned bad during the run, whenever it is read (removed, replaced by a folder, a path
 * under a file now, no permission): one line, never an error's stack.
 * A job the worker processed (done or failed) whose trace lacks the relay's or the worker's spans was
 * handled by a process outside this run (a relay or worker started by hand on the same database): that
 * process writes them up to its batch delay later, so the file is read again, every 250 ms, for up to
 * {@link outsideSpansWaitMs}; a trace still without them says so under its tree.
 */
async function showTraces(jobs: Job[], spansPath: string, mark: SpansFileMark): Promise<void> {
  let { spans, replaced, problem } = readRunSpans(spansPath, mark);
  const processed = jobs.filter((j) => j.status !== "pending");
  const deadline = Date.now() + outsideSpansWaitMs();
  while (!problem && processed.some((job) => lacksAHop(spans, job.id)) && Date.now() < deadline) {
    await sleep(250);
    ({ spans, replaced, problem } = readRunSpans(spansPath, mark));
  }
  if (problem) {
    for (const job of jobs) console.log(`\n${job.file}  job ${job.id}  ${job.status}`);
    console.log(
      `\nspans: ${spansPath} ${problem.what}: the spans written there cannot be read back, so no trace is shown; ${problem.fix}`,
    );
    return;
  }
  let shown: string | undefined;
  for (const job of jobs) {
    const marker = spans.find(
      (s) => s.attributes["preprocess.job.id"] === job.id && s.service.endsWith("-api"),
    );
    console.log("");
    if (!marker) {
      console.log(
        `${job.file}: no spans found for job ${job.id} in ${spansPath}${replaced ? " (the file was replaced during the run: the spans written before are in the file moved away)" : ""}`,
      );
      continue;
    }
    shown ??= marker.traceId;
    console.log(`${job.file}  job ${job.id}  ${job.status}`);
    console.log(traceIdLine(marker.traceId));
    console.log(
      formatTraceTree(
        spans.filter((s) => s.traceId === marker.traceId),
        { header: false, details: false },
      ),
    );
    if (job.status !== "pending" && lacksAHop(spans, job.id))
      console.log(
        `(the relay's or the worker's spans of this job are not in ${spansPath}: a relay or worker outside this run, started on the same database, handled it and has not written them yet, or was killed before it could)`,
      );
  }
  console.log(`\nspans: ${spansPath}`);
  // `tracehop spans` alone shows the latest traces, which are the client's status polls (one GET trace
  // each): the command that shows a job's trace again names it.
  if (shown !== undefined)
    console.log(`a job's trace again: npx tracehop spans --trace ${shown} ${shellWord(spansPath)}`);
}

/**
 * `path` as one word of a POSIX shell command: as it is when it holds only characters no shell acts on,
 * else in single quotes (a `'` in it written `'\''`).
 */
function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The three processes of a run, and those that ended before this one stopped them, in the order it saw
 * them end (the worker or the relay lost RabbitMQ, a crash, a kill from outside).
 */
class Processes {
  readonly all = ["api", "relay", "worker"].map(startProcess);
  readonly api = this.all[0]!;
  readonly endedEarly: Started[] = [];
  /**
   * The processes that had not ended on their own but failed the stop this run asked of them ({@link stop}):
   * an exit code other than 0 (a flush that failed, a crash in their shutdown), or killed once they did not
   * stop in time. Each fails the run (run-report.ts stopFailedLine).
   */
  readonly failedStop: Started[] = [];

  /** Notes the processes that have ended since the last call; true when any has ended so far. */
  noteEnded(): boolean {
    // A process that said it is ending counts as ended: it publishes or consumes nothing more, and its
    // exit follows (else more documents would be submitted to it meanwhile).
    for (const p of this.all)
      if (hasEndedOrIsEnding(p) && !this.endedEarly.includes(p)) this.endedEarly.push(p);
    return this.endedEarly.length > 0;
  }

  /**
   * Resolves with the api's base URL once every process has said READY, within START_TIMEOUT_MS; rejects
   * with ExitedBeforeReady when one exits first. The timer is cleared once they are up: a pending timer would
   * keep this process alive for the rest of the timeout after the job is done.
   */
  async ready(): Promise<string> {
    let startTimer: NodeJS.Timeout | undefined;
    const startTimeout = new Promise<never>((_, reject) => {
      startTimer = setTimeout(
        () => reject(new Error(`the processes did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
    });
    try {
      const [apiLine] = await Promise.race([Promise.all(this.all.map((p) => p.ready)), startTimeout]);
      allReady = true;
      return /(http:\/\/[^ ]+)/.exec(apiLine)![1]!;
    } finally {
      clearTimeout(startTimer);
    }
  }

  /**
   * Stops every process; then notes as ended early also those that ended on their own meanwhile. A relay or
   * worker that said it is ending on its own ({@link Started.ending}) counts whenever its message came: before
   * the last poll, after it, or while this SIGTERM was on its way to it. The run's verdict does not depend
   * on which of the two came first, the last job done or that message (docs/example.md "Exit codes": 1, the line then
   * saying that every job is done: run-report.ts endedLine). Before, a message read after the last poll
   * made the run exit 0 below the process's own `exiting with code 1` line. When none ended on its own, a
   * process that did not end as a SIGTERM ends it (exit 0) failed its stop ({@link failedStop}); before, it was
   * not counted, and the run exited 0 below its own `exiting with code 1`.
   */
  async stop(): Promise<void> {
    this.noteEnded();
    const stopped = await Promise.all(this.all.map(stopProcess));
    // Every IPC message is read by now (stopOnce waits for each process's close).
    const anyEnded = this.endedEarly.length > 0 || this.all.some((p) => p.ending);
    this.all.forEach((p, i) => {
      if (this.endedEarly.includes(p)) return;
      // Once one has ended on its own, also a process whose exit this one had not seen yet, and one that
      // did not end as a SIGTERM ends it (exit 0).
      const own = !stopped[i] || p.child.exitCode || (p.child.signalCode ?? "SIGTERM") !== "SIGTERM";
      if (p.ending || (anyEnded && own)) this.endedEarly.push(p);
      else if (own) this.failedStop.push(p);
    });
  }
}

/** The api's answer to one request of {@link apiRequest}: its status code, headers and body as text. */
interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, decoded as UTF-8 (the api answers JSON). */
  text: string;
}

/**
 * Sends one request to the api at `url` (`http://127.0.0.1:PORT/...`) and resolves to its whole answer;
 * rejects when no whole answer came (nothing listening, the connection reset or closed), with the socket's
 * error (`connect ECONNREFUSED 127.0.0.1:PORT`, `socket hang up`). Through node:http, not fetch: fetch
 * refuses to connect to the Fetch standard's "bad ports" (fetch.spec.whatwg.org, "port blocking": 22, 25,
 * 6000, 6665-6669, 10080, ...) with only "fetch failed", while PORT may be any port, on which the api
 * listens and curl reaches it.
 */
function apiRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<ApiAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolveAnswer({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * POSTs each document to the api at `base`, again after its Retry-After while the api answers 503 (the
 * database stayed busy and nothing was stored), with an Idempotency-Key of its own on every attempt. A process that ended (its queue lost, a crash) would leave
 * every later job pending: the rest is not submitted.
 */
async function submitDocuments(
  base: string,
  documents: { file: string; text: Buffer }[],
  processes: Processes,
): Promise<Submission> {
  const done: Submission = { jobs: [], rejected: [], notSubmitted: [], unanswered: false };
  for (const [index, { file, text }] of documents.entries()) {
    if (processes.noteEnded()) {
      done.notSubmitted = documents.slice(index).map((d) => d.file);
      break;
    }
    let res: ApiAnswer;
    let body: { id?: string; error?: string };
    // One key per document, the same on each of its attempts: an attempt whose answer was lost (the api
    // stored the job, then its answer did not arrive) is answered that job, not stored again (docs/example.md).
    const headers = { "content-type": "text/plain; charset=utf-8", "idempotency-key": `"${randomUUID()}"` };
    try {
      for (let attempt = 1; ; attempt++) {
        res = await apiRequest(`${base}/preprocess-jobs`, { method: "POST", headers, body: text });
        if (res.status !== 503 || attempt === SUBMIT_ATTEMPTS) break;
        await sleep(Number(res.headers["retry-after"] ?? 1) * 1000);
      }
      body = JSON.parse(res.text) as typeof body;
    } catch (err) {
      if (!hasEnded(processes.api)) throw err;
      // The api ended while this one was sent: whether it was stored is not known (it has no job id).
      console.error(`${file}: not answered (the api ended while it was sent): ${firstLine(err)}`);
      processes.noteEnded();
      done.notSubmitted = documents.slice(index + 1).map((d) => d.file);
      done.unanswered = true;
      break;
    }
    if (res.status !== 201 || !body.id) {
      console.error(`${file}: rejected (${res.status}): ${body.error ?? "no id"}`);
      done.rejected.push(`${file} (${res.status}: ${body.error ?? "no id"})`);
      continue;
    }
    console.log(`${file}: job ${body.id} submitted`);
    done.jobs.push({ file, id: body.id, status: "pending" });
  }
  return done;
}

/**
 * Polls the api at `base` for the pending jobs' statuses until none is pending, JOB_TIMEOUT_MS has passed,
 * or a process has ended (it would leave the jobs pending until the timeout). A 503 (database busy) or a
 * dropped connection is asked again at the next poll.
 */
async function pollJobs(base: string, jobs: Job[], processes: Processes): Promise<void> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  while (jobs.some((j) => j.status === "pending") && Date.now() < deadline && !hasEnded(processes.api)) {
    // Seen before the poll: the jobs a process finished before it ended are read by this poll.
    const ended = processes.noteEnded();
    if (!ended) await sleep(100);
    for (const job of jobs.filter((j) => j.status === "pending")) {
      let res: ApiAnswer;
      let body: { status?: string; sentences?: number; error?: string };
      try {
        res = await apiRequest(`${base}/preprocess-jobs/${job.id}`);
        body = JSON.parse(res.text) as typeof body;
      } catch {
        if (hasEnded(processes.api)) break; // the api is gone, not just busy: the database is read later
        continue;
      }
      if (res.status === 200 && body.status !== undefined && body.status !== "pending") {
        job.status = body.status;
        // A failed job says why (GET's `error`: the limit it passed, or what its processing failed on).
        if (body.status === "failed" && typeof body.error === "string") job.reason = body.error;
        const why = job.reason === undefined ? "" : `: ${job.reason}`;
        console.log(`${job.file}: job ${job.id} ${body.status}, ${sentences(body.sentences)}${why}`);
      }
    }
    if (ended) break;
  }
}

/**
 * Says, on stderr, what kept the run from being whole (run-report.ts problemLines): processes that ended on
 * their own or failed their stop, documents rejected or not submitted, jobs pending or not done. Returns whether anything of the
 * kind was said: each fails the run.
 */
function reportProblems(
  documents: number,
  submission: Submission,
  endedEarly: Started[],
  failedStop: Started[],
): boolean {
  const lines = problemLines(documents, submission, endedEarly, JOB_TIMEOUT_MS, failedStop);
  for (const line of lines) console.error(`tracehop preprocess: ${line}`);
  return lines.length > 0;
}

/** The signal this run was told to stop by, once one came (main's signal handlers). */
let stoppedBy: "SIGINT" | "SIGTERM" | undefined;

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: npm start [-- FILE...]   (default: README.md; - reads one from standard input)");
    return;
  }
  exitOnSettingProblems();
  const documents = await readDocuments(args.length ? args : [resolve(PROJECT_ROOT, "README.md")]);
  // The broker is checked first: a bad AMQP_URL is refused before anything is written to the database.
  // The migrations are then applied before the processes start; each of them checks the database again,
  // as it does when started by hand.
  await checkBroker();
  await prepareDatabase().catch(exitOnBadInput);
  const spansPath = spansFile();
  const spansMark = spansFileMark(spansPath);

  // The handlers are in place before the first process starts: a signal between two spawns ended this
  // process by the signal's default action (exit code null, no line said; the processes started so far
  // stopped only as their IPC channel closed).
  const started: Started[] = [];
  // Ctrl-C or a kill of this process stops the three processes cleanly (spans flushed), then exits with
  // the code a shell gives a process killed by that signal (130 for SIGINT, 143 for SIGTERM); a second one
  // while they stop exits at once (they stop on their own when this process's IPC channel closes).
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    const code = signalExitCode(signal);
    if (stoppedBy !== undefined) {
      console.error(
        `tracehop preprocess: ${signal} while stopping: exiting at once with code ${code} (the api, relay and worker stop on their own)`,
      );
      process.exit(code);
    }
    stoppedBy = signal;
    console.error(
      `tracehop preprocess: ${signal}: stopping the api, relay and worker (${signal} again: at once)`,
    );
    void Promise.all(started.map(stopProcess)).finally(() => {
      console.error(stoppedLine(signal, code));
      process.exit(code);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => onSignal(signal));
  // Under `npm start` this process's parent is the shell npm runs the script with, and npm passes its
  // SIGTERM to that shell alone, which ends without passing it on (dash): this process, the api, the relay
  // and the worker ran on, orphaned. A parent gone is taken as a SIGTERM, checked twice a second (the
  // timer keeps nothing alive).
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent || stoppedBy !== undefined) return;
    clearInterval(orphaned);
    console.error(
      `tracehop preprocess: the process that started this one (pid ${parent}) ended: taken as a SIGTERM`,
    );
    onSignal("SIGTERM");
  }, 500);
  orphaned.unref();
  const processes = new Processes();
  started.push(...processes.all);
  let submission: Submission = { jobs: [], rejected: [], notSubmitted: [], unanswered: false };
  let failed = false;
  /** A process refused bad input at start-up: the run exits 2, as for bad input of its own. */
  let badInput = false;
  /** The process whose exit before it was ready ended the start (said in its own line). */
  let exitedBeforeReady: string | undefined;
  try {
    const base = await processes.ready();
    submission = await submitDocuments(base, documents, processes);
    await pollJobs(base, submission.jobs, processes);
  } catch (err) {
    failed = true;
    if (err instanceof ExitedBeforeReady) exitedBeforeReady = err.processName;
    badInput = err instanceof ExitedBeforeReady && err.code === 2;
    // A process that refused bad input said why and what to fix, in its one line above: nothing to add.
    // Nor after a signal: a process that ended before it was ready was stopped by it, as the last line says.
    if (!badInput && stoppedBy === undefined) console.error(`tracehop preprocess: ${(err as Error).message}`);
  } finally {
    await processes.stop();
  }
  // Stopped by a signal: its handler says so last and exits; the run's report would say otherwise.
  if (stoppedBy !== undefined) await new Promise(() => undefined);
  const { jobs } = submission;
  // The jobs still pending, read where they are kept once every process has stopped: a job finished after
  // the last poll (or while the api was gone) is shown as it is, not as pending.
  await readFinalStatuses(jobs.filter((j) => j.status === "pending"));

  // A process that refused bad input at start-up ran nothing: no trace to show, no spans file to name.
  if (!badInput) await showTraces(jobs, spansPath, spansMark);

  // A process that exited before it was ready was said so above, once: not again as one that ended before
  // every job was done (none was submitted); any other that ended is.
  const endedEarly = badInput ? [] : processes.endedEarly.filter((p) => p.name !== exitedBeforeReady);
  const failedStop = badInput ? [] : processes.failedStop;
  if (reportProblems(documents.length, submission, endedEarly, failedStop) || submission.unanswered)
    failed = true;
  if (failed) process.exit(badInput ? 2 : 1);
}

await main();

/** `1 sentence`, `2 sentences`: a job's count as the summary prints it. */
function sentences(count: unknown): string {
  return `${String(count)} ${count === 1 ? "sentence" : "sentences"}`;
}
