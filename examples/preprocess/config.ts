import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The root of the project: the nearest folder above this file that holds package.json. This file runs from
 * examples/preprocess (through tsx) or, compiled, from dist/example/examples/preprocess (`npm start`, tsconfig.examples.json).
 */
export const PROJECT_ROOT = projectRoot(import.meta.dirname);

function projectRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json in ${from} or above it`);
  }
}

/** Application prefix of the three service names (Datadog `service`). */
export const APP_NAME = "tracehop-preprocess";
export const SERVICE_NAMES = {
  api: `${APP_NAME}-api`,
  relay: `${APP_NAME}-relay`,
  worker: `${APP_NAME}-worker`,
} as const;

/** The queue name when TRACEHOP_QUEUE is unset or empty. */
const DEFAULT_QUEUE_NAME = "preprocess-jobs";

/**
 * The queue the relay publishes to and the worker consumes from: TRACEHOP_QUEUE, default `preprocess-jobs`
 * when unset or empty (as the number settings read an empty value). Read at each call; with AMQP_URL set,
 * checked at start ({@link settingProblems}: {@link queueNameProblem}).
 */
export function queueName(): string {
  const text = process.env.TRACEHOP_QUEUE;
  return text === undefined || text === "" ? DEFAULT_QUEUE_NAME : text;
}

/** The queue the relay publishes to and the worker consumes from ({@link queueName}, read at start). */
export const QUEUE_NAME = queueName();

/** Longest queue name RabbitMQ takes, in bytes of UTF-8 (AMQP 0-9-1's shortstr). */
const AMQP_NAME_MAX_BYTES = 255;
/**
 * Most bytes the example adds to TRACEHOP_QUEUE on RabbitMQ (queue-amqp.ts): `.<tag>` (the database's queue
 * tag, pipeline.ts: 8 characters as made, at most 64 as an operator may store it), then `.retry.<ms>ms` for a
 * retry queue (the longest delay, MAX_RETRY_DELAY_MS, is 120000 ms) or `.dead` (shorter).
 */
const QUEUE_SUFFIX_MAX_BYTES = ".".length + 64 + ".retry.120000ms".length;
/**
 * Longest TRACEHOP_QUEUE the example takes with AMQP_URL set, in bytes of UTF-8: 175, so that every name it
 * derives fits RabbitMQ's 255 bytes. amqplib cannot encode a longer name (it throws before sending).
 */
export const MAX_QUEUE_NAME_BYTES = AMQP_NAME_MAX_BYTES - QUEUE_SUFFIX_MAX_BYTES;

/**
 * What is wrong with `name` as the queue's name, or undefined: holding a control character (C0, DEL or C1:
 * it would break the one-line messages that name the queue, and the management UI's and rabbitmqctl's
 * listings); and as the base of the example's RabbitMQ queue names (`rabbitmq`), longer than
 * {@link MAX_QUEUE_NAME_BYTES} bytes of UTF-8 or starting with `amq.` (RabbitMQ reserves it: declaring
 * such a queue closes the channel with 403 ACCESS_REFUSED). The embedded queue's table takes any other.
 */
export function queueNameProblem(name: string, rabbitmq = true): string | undefined {
  const unset = `or unset it for ${DEFAULT_QUEUE_NAME}`;
  if (rabbitmq) {
    const bytes = Buffer.byteLength(name);
    if (bytes > MAX_QUEUE_NAME_BYTES)
      return `TRACEHOP_QUEUE is ${bytes} bytes of UTF-8 long: RabbitMQ takes queue names of at most ${AMQP_NAME_MAX_BYTES} bytes and the example adds up to ${QUEUE_SUFFIX_MAX_BYTES} (.<queue tag>.retry.120000ms): write a name of at most ${MAX_QUEUE_NAME_BYTES} bytes, ${unset}`;
    if (name.startsWith("amq."))
      return `TRACEHOP_QUEUE=${quotedText(name)} starts with amq., which RabbitMQ reserves for its own queues: write another name, ${unset}`;
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name)?.[0];
  if (control !== undefined)
    return `TRACEHOP_QUEUE=${quotedText(name)} has a control character (${codePoint(control)}): write a name without one, ${unset}`;
  return undefined;
}

/** `U+000A`: how the messages name a character. */
function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
/** Outbox event type of a new job. */
export const EVENT_JOB_REQUESTED = "PreprocessJobRequested";

/** Spans file (OTLP JSON lines): TRACEHOP_SPANS_FILE, default .tracehop/spans.jsonl. */
export function spansFile(): string {
  return resolve(process.env.TRACEHOP_SPANS_FILE ?? resolve(PROJECT_ROOT, ".tracehop/spans.jsonl"));
}

/** DATABASE_URL, default a SQLite file under .tracehop/ (the embedded default needs no server). */
export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? `file:${resolve(PROJECT_ROOT, ".tracehop/tracehop.db")}`;
}

/** Longest timer Node.js runs as asked, in milliseconds (a longer one fires after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms` milliseconds (at most {@link MAX_TIMER_MS}: a longer timer would fire after 1 ms), or until
 * `signal` aborts, whichever comes first: a stop never waits out a poll interval or a pause. Never rejects.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(Math.min(ms, MAX_TIMER_MS), undefined, { signal }).catch(() => undefined);
}

/** A whole-number setting of the main job, read from the environment variable `name`. */
interface NumberSetting {
  /** What the value is, for the message about a bad one ("a poll interval"). */
  what: string;
  /** Its unit in that message ("milliseconds"), or "" for a plain number. */
  unit: string;
  min: number;
  max: number;
  /** The value when the variable is unset or empty. */
  byDefault: number;
  /** What the message says about the default, when more than its number ("0 (any free port)"). */
  defaultText?: string;
}

/** A timeout of `npm start`: 1 ms to the longest timer, one minute by default. */
const TIMEOUT_SETTING: NumberSetting = {
  what: "a timeout",
  unit: "milliseconds",
  min: 1,
  max: MAX_TIMER_MS,
  byDefault: 60_000,
};

/** The main job's own number settings, with the processes that read them. */
const SETTINGS = {
  /** Poll interval of the relay and the embedded queue (relay, worker). */
  TRACEHOP_POLL_MS: {
    what: "a poll interval",
    unit: "milliseconds",
    // A poll every millisecond or so keeps a core busy with queries (the relay's outbox, the embedded
    // queue's table) and finds nothing sooner that matters.
    min: 10,
    max: MAX_TIMER_MS,
    byDefault: 100,
  },
  /** How long `npm start` waits for its jobs (main). */
  TRACEHOP_JOB_TIMEOUT_MS: TIMEOUT_SETTING,
  /** How long `npm start` waits for its three processes to start (main). */
  TRACEHOP_START_TIMEOUT_MS: TIMEOUT_SETTING,
  /**
   * How long a connection to RabbitMQ (AMQP_URL) or to a database server (DATABASE_URL) may take, the TCP
   * connection and the protocol's opening handshake together (main, migrate, api, relay, worker):
   * {@link connectTimeoutMs}.
   */
  TRACEHOP_CONNECT_TIMEOUT_MS: {
    what: "a timeout",
    unit: "milliseconds",
    min: 1,
    max: MAX_TIMER_MS,
    byDefault: 10_000,
  },
  /**
   * How long a process's stop may take to flush its spans, in milliseconds: startTracing's
   * `shutdownTimeoutMillis` (api, relay, worker: {@link shutdownTimeoutMs}); `npm start` gives each process
   * this bound and 10 s more to stop before it kills it (main.ts). startTracing's own default, 5 s.
   */
  TRACEHOP_SHUTDOWN_TIMEOUT_MS: {
    what: "a shutdown bound",
    unit: "milliseconds",
    min: 1,
    max: MAX_TIMER_MS,
    byDefault: 5_000,
  },
  /** The api's TCP port (api; `npm start` sets 0 unless PORT is set). */
  PORT: { what: "a TCP port", unit: "", min: 0, max: 65_535, byDefault: 0, defaultText: "0 (any free port)" },
} satisfies Record<string, NumberSetting>;

/** The name of one of the main job's number settings. */
export type NumberSettingName = keyof typeof SETTINGS;
/** The name of one of the main job's settings checked at start: a number, or the queue name. */
export type SettingName = NumberSettingName | "TRACEHOP_QUEUE";

/**
 * `text` quoted for a message about a number setting: JSON's quoting, and each character outside printable
 * ASCII written as its escape (`\u200b`), as tracehop's warnings and `tracehop inspect` quote a value
 * (src/describe-value.ts escapeUnprintable): a zero width or no-break space pasted with the digits, or
 * full-width digits, echoed as they are, read `"5000" is not a shutdown bound`.
 */
function quotedSetting(text: string): string {
  return escapedAsUnicode(JSON.stringify(text), /[^\x20-\x7e]/g);
}

/**
 * `text` as the main job's messages and the api's answers quote a value they were given (an id, a queue
 * name, a user of AMQP_URL): JSON's quoting, which escapes the C0 controls (`\n`, `\u001b`), and each other
 * character a terminal acts on or shows as nothing ({@link UNSEEN_IN_A_TERMINAL}: DEL, a C1 control such as
 * U+009B, a terminal's CSI, a bidi override, a zero width space) written as its `\u` escape, as tracehop's
 * own messages quote a value (docs/warnings.md, at its start). Other Unicode (`é`) is kept.
 */
export function quotedText(text: string): string {
  return escapedAsUnicode(JSON.stringify(text), UNSEEN_IN_A_TERMINAL);
}

/**
 * The characters a terminal acts on or shows as nothing, which the main job's messages escape in a path
 * (main.ts `shownPath`): C0 and C1 controls, a soft hyphen, zero width spaces and joiners, directional
 * marks, overrides and isolates, the word joiner, a byte order mark. The same set as `tracehop inspect`
 * escapes in its messages (src/describe-value.ts TERMINAL_CONTROLS, internal to the library: the example
 * uses only its public entry points), a copy that test/examples/config.test.ts pins equal to it.
 */
export const UNSEEN_IN_A_TERMINAL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/**
 * `text` with each UTF-16 code unit that `which` (a global regular expression) matches written as its
 * `\uXXXX` escape: how the main job's messages quote a setting ({@link quotedSetting}) or a path
 * (main.ts `shownPath`), as tracehop's own warnings do (src/describe-value.ts escapeUnprintable, internal
 * to the library, which the example uses only through its public entry points).
 */
export function escapedAsUnicode(text: string, which: RegExp): string {
  return text.replace(which, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The setting `name` as a number, or the reason it is not one (unset or empty: its default). Only
 * decimal digits are read: `0x10`, ` 50 `, `1e3`, `+5` or `5.0` are refused, not read as JavaScript's
 * Number() reads them.
 */
function readSetting(name: NumberSettingName): { value: number; problem?: string } {
  const setting: NumberSetting = SETTINGS[name];
  const text = process.env[name];
  if (text === undefined || text === "") return { value: setting.byDefault };
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (value >= setting.min && value <= setting.max) return { value };
  const unit = setting.unit === "" ? "" : ` of ${setting.unit}`;
  return {
    value: setting.byDefault,
    problem: `${name}=${quotedSetting(text)} is not ${setting.what}: write a whole number${unit} from ${setting.min} to ${setting.max} in decimal digits, or unset it for ${setting.defaultText ?? setting.byDefault}`,
  };
}

/** The value of the setting `name` (its default when unset, empty or bad: check with {@link settingProblems}). */
export function setting(name: NumberSettingName): number {
  return readSetting(name).value;
}

/**
 * How long one connection to RabbitMQ or to a database server may take before it is given up, in
 * milliseconds: TRACEHOP_CONNECT_TIMEOUT_MS, default 10 000 (read at each call). It bounds the TCP
 * connection and the opening handshake together (AMQP's connection.start to connection.open-ok;
 * PostgreSQL's startup and login until ReadyForQuery; MySQL's greeting and login), so that a host that
 * accepts TCP and never answers (another service's port, a firewall that drops packets) is reported
 * instead of hanging the start-up: queue-amqp.ts connectAmqp, migrate-server.ts, db.ts openDatabase.
 */
export function connectTimeoutMs(): number {
  return setting("TRACEHOP_CONNECT_TIMEOUT_MS");
}

/**
 * How long a process's stop may take to flush its spans, in milliseconds: TRACEHOP_SHUTDOWN_TIMEOUT_MS,
 * default 5000, from 1 to {@link MAX_TIMER_MS} (read at each call). Given to startTracing as
 * `shutdownTimeoutMillis` (tracing.ts startProcessTracing): spans still pending then are dropped, and the
 * stop goes on (a first SIGTERM or SIGINT's stop ends at it at the latest, when the OTLP endpoint does not
 * answer). A library-level variable it is not: OpenTelemetry defines none for an SDK's shutdown, and
 * startTracing reads only the OTEL_* variables it defines (and TRACEHOP_SPANS_FILE).
 */
export function shutdownTimeoutMs(): number {
  return setting("TRACEHOP_SHUTDOWN_TIMEOUT_MS");
}

/**
 * A duration in milliseconds for a message: whole seconds as `10 s`, anything else as `1500 ms`.
 */
export function formatDuration(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`;
}

/**
 * What the one-line messages say of a server at `where` (`host:port`) that did not answer within
 * `timeoutMs` milliseconds, the TCP connection and the opening handshake of `protocol` (`AMQP`,
 * `PostgreSQL`) together: `no answer from 127.0.0.1:5672 within 10 s (TCP connect and AMQP handshake)`.
 */
export function noAnswerWithin(where: string, timeoutMs: number, protocol: string): string {
  return `no answer from ${where} within ${formatDuration(timeoutMs)} (TCP connect and ${protocol} handshake)`;
}

/**
 * What the one-line messages say of a server at `where` (`host:port`) that answered, but not in the protocol
 * asked for (another service's port): `what` names the server expected (`an AMQP broker`, `a PostgreSQL
 * server`), `said` what the client made of the answer, briefly (the driver's own words):
 * `the server at 127.0.0.1:3306 does not answer as a PostgreSQL server (Received unexpected copyData message
 * from backend)`.
 */
export function notAnsweringAs(where: string, what: string, said: string): string {
  return `the server at ${where} does not answer as ${what} (${said})`;
}

/** Poll interval of the relay and the embedded queue, in milliseconds: TRACEHOP_POLL_MS, default 100. */
export const POLL_INTERVAL_MS = setting("TRACEHOP_POLL_MS");

/**
 * What is wrong with the settings `names` (default: all of them), one message per bad one, each naming
 * the variable, what it got and what to write instead. TRACEHOP_QUEUE's RabbitMQ limits only with AMQP_URL
 * set: the embedded queue's table takes any name without a control character ({@link queueNameProblem}).
 */
export function settingProblems(
  names: readonly SettingName[] = [...(Object.keys(SETTINGS) as NumberSettingName[]), "TRACEHOP_QUEUE"],
): string[] {
  return names.flatMap((name) => {
    if (name !== "TRACEHOP_QUEUE") return readSetting(name).problem ?? [];
    return queueNameProblem(queueName(), Boolean(process.env.AMQP_URL)) ?? [];
  });
}

/**
 * The settings the relay and the worker read, each checked at their start ({@link exitOnSettingProblems}):
 * the embedded queue polls every TRACEHOP_POLL_MS, the database and the broker are connected to within
 * TRACEHOP_CONNECT_TIMEOUT_MS, the spans are flushed within TRACEHOP_SHUTDOWN_TIMEOUT_MS at the stop, and
 * the queue is TRACEHOP_QUEUE.
 */
export const QUEUE_PROCESS_SETTINGS: readonly SettingName[] = [
  "TRACEHOP_POLL_MS",
  "TRACEHOP_CONNECT_TIMEOUT_MS",
  "TRACEHOP_SHUTDOWN_TIMEOUT_MS",
  "TRACEHOP_QUEUE",
];

/**
 * Exits the process with code 2 (bad input) and the problems on stderr, prefixed `tracehop preprocess:` and
 * the process's name if it has one ({@link exitForBadInput}), when a setting of `names` is bad: what `npm
 * start` and each of its processes, started by hand too, do first, instead of running with the default.
 */
export function exitOnSettingProblems(names?: readonly SettingName[]): void {
  const problems = settingProblems(names);
  if (problems.length === 0) return;
  exitForBadInput(problems.join("; "));
}

/** The name of this process in its stderr lines ({@link nameProcess}), or undefined before it is named. */
let ownName: string | undefined;

/**
 * Names this process (`api`, `relay`, `worker`) for its stderr lines: from then on {@link say} starts each
 * with `tracehop preprocess: <name>: `, as its exit lines start ({@link stoppedLine}, {@link endingLine}),
 * and so do its refusals of bad input ({@link exitForBadInput}); Node's own warning lines keep Node's form.
 * Called first in the process's code (tracing.ts stopOnSignalWhileStarting), so that a user who runs it by
 * hand, under systemd or in a container log can tell from each line which process said it.
 */
export function nameProcess(name: string): void {
  ownName = name;
}

/** This process's name in its lines ({@link nameProcess}), or undefined when it was not named. */
export function processName(): string | undefined {
  return ownName;
}

/**
 * Writes `line` on stderr, `args` after it as console.error writes them (an error in full, with its stack),
 * started with `tracehop preprocess: <name>: ` once the process was named ({@link nameProcess}): `tracehop
 * preprocess: worker: amqp queue: closing: …`. Unnamed (a queue used in a test's own process), the line as
 * it is. The lines of the relay, the worker and their queues go here; before, some named the process
 * (`worker: job failed`), some only their module (`amqp queue: …`), so that under a supervisor which process
 * said a queue's line could not be told.
 */
export function say(line: string, ...args: unknown[]): void {
  console.error(`${ownName === undefined ? "" : linePrefix()}${line}`, ...args);
}

/**
 * How this process's own lines start: `tracehop preprocess: <name>: ` once it is named ({@link nameProcess}),
 * else `tracehop preprocess: ` (`npm start`, `npm run migrate`).
 */
export function linePrefix(): string {
  return `tracehop preprocess: ${ownName === undefined ? "" : `${ownName}: `}`;
}

/** The exit code of a process ended by `signal` at once, as a shell reports one killed by it: 128 + its number. */
export function signalExitCode(signal: "SIGINT" | "SIGTERM"): number {
  return signal === "SIGINT" ? 130 : 143;
}

/**
 * The last line of a process that stopped on `signal` and exits with `code`: `tracehop preprocess: stopped on
 * SIGINT: exiting with code 130` (main.ts, no `name`), `tracehop preprocess: relay: stopped on SIGTERM: exiting
 * with code 0` (the api, relay or worker `name`: tracing.ts onShutdownSignal; main.ts drops this line of a
 * process it stopped itself, its own line saying how the run ended).
 */
export function stoppedLine(signal: "SIGINT" | "SIGTERM", code: number, name?: string): string {
  return `tracehop preprocess: ${name === undefined ? "" : `${name}: `}stopped on ${signal}: exiting with code ${code}`;
}

/**
 * The last line of a process that ends on its own (the relay or the worker whose queue was lost), `why` its
 * reason, `code` its exit code, `after` what it adds (` (message 7 in hand, delivered again)`): `tracehop
 * preprocess: worker: amqp queue: the connection to RabbitMQ was closed: …; exiting with code 1 to be started
 * again (message 7 in hand, delivered again)` (tracing.ts onShutdownSignal, once the stop has settled, after
 * {@link ENDING_MESSAGE}, which is what main.ts reads: it does not read this line). With a code other than 1
 * (2: the broker refused its queue, a configuration that `why` says how to fix, which a restart would meet
 * again) the line does not ask to be started again: `…; exiting with code 2`.
 */
export function endingLine(name: string, why: string, code: number, after = ""): string {
  return `tracehop preprocess: ${name}: ${why}; exiting with code ${code}${code === 1 ? " to be started again" : ""}${after}`;
}

/**
 * The message (over the IPC channel of `npm start`) by which a process ending on its own tells main.ts so as
 * soon as it begins to (tracing.ts onShutdownSignal): its {@link endingLine} comes only once its stop is done,
 * right before it exits, and `npm start` must not submit more documents to it meanwhile.
 */
export const ENDING_MESSAGE = { tracehopPreprocess: "ending" } as const;

/** Whether `message`, received from a child process, is {@link ENDING_MESSAGE}. */
export function isEndingMessage(message: unknown): boolean {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { tracehopPreprocess?: unknown }).tracehopPreprocess === ENDING_MESSAGE.tracehopPreprocess
  );
}

/**
 * The line a process says when a SIGTERM or SIGINT comes while it is already ending on its own (its queue
 * lost: it exits 1 once its spans are flushed, saying why in its last line, {@link endingLine}): `tracehop
 * preprocess: worker: SIGTERM while ending on its own: finishing the stop (a second signal exits at once)`
 * (tracing.ts onShutdownSignal; main.ts drops this line of a process it signalled itself).
 */
export function endingSignalLine(signal: "SIGINT" | "SIGTERM", name: string): string {
  return `tracehop preprocess: ${name}: ${signal} while ending on its own: finishing the stop (a second signal exits at once)`;
}

/**
 * Exits the process with code 2 (bad input) and `message` on stderr in one line, prefixed `tracehop preprocess:
 * <name>: ` in a named process ({@link nameProcess}: the api, the relay, the worker, so that a refusal of one
 * started by hand or under a supervisor names it, as its other lines do), `tracehop preprocess: ` in `npm start`
 * and `npm run migrate`, which are not named: `tracehop preprocess: texts is not a file: …`. A named process's
 * line ends with its code, as each of its other ending lines does ({@link endingLine}, {@link stoppedLine}), so
 * that run by hand or under a supervisor the code a line ends with tells a refusal to fix (2) from a loss to
 * start again after (1): `tracehop preprocess: relay: TRACEHOP_POLL_MS="5" is not a poll interval: …; exiting
 * with code 2`. `npm start`'s and `npm run migrate`'s lines say no code, as none of their other lines but a
 * stop on a signal does (docs/example.md "Exit codes").
 */
export function exitForBadInput(message: string): never {
  // The code goes on the message's last clause, its full stop taken off ("… the embedded SQLite file; exiting …").
  const line = ownName === undefined ? message : `${message.replace(/\.$/, "")}; exiting with code 2`;
  console.error(`${linePrefix()}${line}`);
  process.exit(2);
}

/**
 * A start-up failure that is bad input, not a bug (an unreachable broker): its message says what to fix,
 * and a process started by hand answers it as `npm start` does, one line and exit 2 ({@link exitOnBadInput}).
 */
export class BadInputError extends Error {}

/**
 * A server that cannot be reached now (nothing listening, the connection reset, no answer in time, no route):
 * bad input for `npm start`, which checks it before starting anything (exit 2), but for the relay and the
 * worker, which a supervisor starts again, a transient failure: the broker may be restarting
 * ({@link exitOnStartFailure}: exit 1, "start again").
 */
export class UnreachableError extends BadInputError {}

/**
 * For the relay's and the worker's start-up catch: an {@link UnreachableError} is said in one line and
 * exits 1 (transient: start the process again, as after a lost connection): `tracehop preprocess: worker:
 * cannot connect to RabbitMQ at …; exiting with code 1 to be started again` ({@link endingLine}); any
 * other {@link BadInputError} exits 2 ({@link exitOnBadInput}); any other error is thrown again.
 * @param name the process, for the line: `relay`, `worker`.
 */
export function exitOnStartFailure(name: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof UnreachableError) {
      console.error(endingLine(name, err.message, 1));
      process.exit(1);
    }
    return exitOnBadInput(err);
  };
}

/** For a start-up promise's catch: exits 2 with the message of a {@link BadInputError}; any other error is thrown again. */
export function exitOnBadInput(err: unknown): never {
  if (err instanceof BadInputError) exitForBadInput(err.message);
  throw err;
}

/** How {@link surroundingWhiteSpace} names a white-space character. */
function whiteSpaceName(c: string): string {
  if (c === " ") return "a space";
  if (c === "\t") return "a tab";
  if (c === "\n" || c === "\r") return "a line break";
  return codePoint(c);
}

/**
 * What is wrong with the value of the environment variable `name` (a URL) when white space comes before or
 * after its text (a space pasted with it, the line break of a file written on Windows left by `$(cat FILE)`):
 * where and which (`\s`: spaces, tabs, line breaks, Unicode spaces, a byte-order mark), as one clause that says
 * to remove it; undefined when there is none, or nothing but white space (the caller says what to write). Such a
 * URL is refused, not trimmed: the parsers disagree on it (the WHATWG URL parser drops it, a `scheme://` test
 * and a file name keep it), and the message would show a line break in its one line.
 */
export function surroundingWhiteSpace(name: string, value: string): string | undefined {
  const lead = /^\s*/u.exec(value)![0];
  const trail = /\s*$/u.exec(value)![0];
  if ((lead === "" && trail === "") || lead === value) return undefined;
  const where = lead && trail ? "at its start and end" : lead ? "at its start" : "at its end";
  const which = [...new Set([...lead, ...trail].map(whiteSpaceName))].join(", ");
  return `${name} has white space ${where} (${which}): remove it`;
}

/** A `scheme://` at the start of a text (the scheme as RFC 3986 writes it, any case). */
export const SCHEME_SLASHES = /^[a-z][a-z0-9+.-]*:\/\//i;

/** What {@link redact} answers for a text that is not a URL. */
export const NOT_A_URL = "<not a URL>";

/**
 * `url` for a message, its secrets hidden: each becomes `***`.
 * - The password of its user part (`scheme://user:PASSWORD@host`).
 * - The value of every parameter whose name says it holds a secret ({@link isSecretParameter}: `password`,
 *   which PostgreSQL's driver reads too, `sslpassword`, `token`, `auth`, `apikey`…), or whose value holds
 *   such a `name=value` itself (libpq's `options=-c password=…`): in the query and in the fragment, both
 *   read as the WHATWG URL parser reads a query (`&`-separated, `URLSearchParams`), and in the `;name=value`
 *   segments before them (JDBC and SQL Server URLs: `sqlserver://h;user=u;password=p`).
 *
 * The rest is kept as written, not normalised as `URL.toString()` would (`file:./x.db` stays `file:./x.db`,
 * `amqp://h` gets no `/`; a `file:` URL's query is shown as the rest of its file name is, secrets hidden).
 * Where the parser reads the text otherwise than as written (a `\` ends an http: URL's authority as `/`
 * does; a tab inside a name is dropped), the parser's reading, normalised, secrets hidden. A text that is
 * not a URL (the parser refuses it: a password with an unencoded `/` or `#`), or that has an `@` but no
 * user part (`root:secret@host/x`, which the parser reads as the scheme `root:`), is not shown at all,
 * since where its password is cannot be told: the answer is then {@link NOT_A_URL}. Never throws.
 */
export function redact(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return NOT_A_URL;
  }
  if (parsed.username === "" && parsed.password === "" && url.includes("@")) return NOT_A_URL;
  // The parser's reading (no tab, no "\\" left, one "@" in the authority) with its secrets hidden; the
  // text as written only where the parser reads it as exactly that. Most texts are written as the parser
  // writes them: the two hidden texts are then the same, and neither is parsed again.
  const normalised = hideSecrets(parsed.href);
  const shown = hideSecrets(url);
  if (shown === normalised) return shown;
  const href = hrefOf(shown);
  return href !== undefined && href === hrefOf(normalised) ? shown : normalised;
}

/** The WHATWG URL parser's href of `text`, or undefined when it refuses the text. */
function hrefOf(text: string): string | undefined {
  try {
    return new URL(text).href;
  } catch {
    return undefined;
  }
}

/**
 * `url` as written with the secrets {@link redact} names hidden, its parts found in the text: the user
 * part from `//` to the last `@` before the end of the authority (the first `/`, `?` or `#`), its password
 * after its first `:`; the query from the first `?` before the fragment, the fragment from the first `#`.
 */
function hideSecrets(url: string): string {
  const hash = url.indexOf("#");
  const beforeFragment = hash < 0 ? url : url.slice(0, hash);
  const question = beforeFragment.indexOf("?");
  let head = question < 0 ? beforeFragment : beforeFragment.slice(0, question);
  const start = SCHEME_SLASHES.exec(head)?.[0].length ?? -1;
  if (start >= 0) {
    const end = head.slice(start).search(/\/|$/) + start;
    const at = head.lastIndexOf("@", end - 1);
    const colon = head.indexOf(":", start);
    if (at > start && colon >= 0 && colon < at - 1) head = `${head.slice(0, colon + 1)}***${head.slice(at)}`;
  }
  head = head.replace(/;([^;]*)/g, (_, pair: string) => `;${hidePair(pair)}`);
  const query = question < 0 ? "" : `?${hidePairs(beforeFragment.slice(question + 1))}`;
  const fragment = hash < 0 ? "" : `#${hidePairs(url.slice(hash + 1))}`;
  return head + query + fragment;
}

/** A query as written (`a=1&b=2`, no `?`) with the value of each secret pair hidden ({@link hidePair}). */
function hidePairs(query: string): string {
  return query.split("&").map(hidePair).join("&");
}

/**
 * One `name=value` pair as written, its value `***` when the name, decoded as `URLSearchParams` decodes it,
 * holds a secret ({@link isSecretParameter}) or the decoded value holds such a `name=` in it; else as written.
 */
function hidePair(pair: string): string {
  const equals = pair.indexOf("=");
  if (equals < 0) return pair;
  const [name = "", value = ""] = [...new URLSearchParams(pair)][0] ?? [];
  const secret =
    isSecretParameter(name) ||
    [...value.matchAll(/([^\s=;&,]+)\s*=/g)].some(([, inner]) => isSecretParameter(inner ?? ""));
  return secret ? `${pair.slice(0, equals)}=***` : pair;
}

/**
 * Whether a URL parameter named `name` (decoded) holds a secret that a message must not show: a name that
 * contains, in any case, `pass` (libpq's and MySQL's `password`, `sslpassword`, `passwd`, `passphrase`),
 * `pwd`, `secret`, `token`, `credential`, `auth` (`auth`, `authorization`, `auth_token`), or ends in `key`
 * (`apikey`, `api_key`, `x-api-key`), but not the key file's path of libpq and MySQL (`sslkey`, `ssl_key`,
 * `ssl-key`: a path, shown as `sslcert` is). Hiding a parameter that holds none costs a message one value;
 * showing a secret cannot be undone.
 */
export function isSecretParameter(name: string): boolean {
  return (
    /pass|pwd|secret|token|credential|auth/i.test(name) ||
    (/key$/i.test(name) && !/^ssl[-_]?key$/i.test(name))
  );
}

/**
 * `n` and `noun`, in the singular for 1, for a count in a line: `1 job`, `2 jobs`, `0 documents`; `plural` for a
 * noun that does not take an s. Each count sentence of the processes and of `npm start` writes its noun
 * through it: they once said `of the 1 jobs submitted`, `1 of 1 documents rejected`.
 */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/**
 * The first line of an error's message with text in it, for a one-line message; the error's `code`
 * (`ECONNREFUSED`) when its message is empty (Node's AggregateError of a refused connection to each address).
 */
export function firstLine(err: unknown): string {
  const message = String((err as Error | null)?.message ?? err);
  const line = message.split("\n").find((l) => l.trim());
  if (line !== undefined) return line;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}

/** Largest document the api accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

/**
 * Most sentences the worker stores for one job; a document with more is marked failed with this limit in
 * its failureReason, nothing stored (worker.ts). Prose runs 100 to 300 bytes a sentence, so a document of
 * MAX_DOCUMENT_BYTES has well under this; a 5 MiB document of 4-byte sentences ("Hi. ") would have 1.3
 * million, each a row, minutes of writing. The api cannot count sentences without segmenting the whole
 * text (seconds for 5 MiB) in its request, so the worker enforces it.
 */
export const MAX_SENTENCES = 100_000;
