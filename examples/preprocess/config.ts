import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Root of the project (two levels above this file). */
export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");

/** Application prefix of the three service names (Datadog `service`). */
export const APP_NAME = "tracehop-preprocess";
export const SERVICE_NAMES = {
  api: `${APP_NAME}-api`,
  relay: `${APP_NAME}-relay`,
  worker: `${APP_NAME}-worker`,
} as const;

/** The queue the relay publishes to and the worker consumes from. */
export const QUEUE_NAME = process.env.TRACEHOP_QUEUE ?? "preprocess-jobs";
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
    min: 1,
    max: MAX_TIMER_MS,
    byDefault: 100,
  },
  /** How long `npm start` waits for its jobs (main). */
  TRACEHOP_JOB_TIMEOUT_MS: TIMEOUT_SETTING,
  /** How long `npm start` waits for its three processes to start (main). */
  TRACEHOP_START_TIMEOUT_MS: TIMEOUT_SETTING,
  /** The api's TCP port (api; `npm start` sets 0 unless PORT is set). */
  PORT: { what: "a TCP port", unit: "", min: 0, max: 65_535, byDefault: 0, defaultText: "0 (any free port)" },
} satisfies Record<string, NumberSetting>;

/** The name of one of the main job's number settings. */
export type SettingName = keyof typeof SETTINGS;

/**
 * The setting `name` as a number, or the reason it is not one (unset or empty: its default). Only
 * decimal digits are read: `0x10`, ` 50 `, `1e3`, `+5` or `5.0` are refused, not read as JavaScript's
 * Number() reads them.
 */
function readSetting(name: SettingName): { value: number; problem?: string } {
  const setting: NumberSetting = SETTINGS[name];
  const text = process.env[name];
  if (text === undefined || text === "") return { value: setting.byDefault };
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (value >= setting.min && value <= setting.max) return { value };
  const unit = setting.unit === "" ? "" : ` of ${setting.unit}`;
  return {
    value: setting.byDefault,
    problem: `${name}=${JSON.stringify(text)} is not ${setting.what}: write a whole number${unit} from ${setting.min} to ${setting.max} in decimal digits, or unset it for ${setting.defaultText ?? setting.byDefault}`,
  };
}

/** The value of the setting `name` (its default when unset, empty or bad: check with {@link settingProblems}). */
export function setting(name: SettingName): number {
  return readSetting(name).value;
}

/** Poll interval of the relay and the embedded queue, in milliseconds: TRACEHOP_POLL_MS, default 100. */
export const POLL_INTERVAL_MS = setting("TRACEHOP_POLL_MS");

/**
 * What is wrong with the settings `names` (default: all of them), one message per bad one, each naming
 * the variable, what it got and what to write instead.
 */
export function settingProblems(
  names: readonly SettingName[] = Object.keys(SETTINGS) as SettingName[],
): string[] {
  return names.flatMap((name) => readSetting(name).problem ?? []);
}

/**
 * Exits the process with code 2 (bad input) and the problems on stderr, prefixed `tracehop preprocess:`,
 * when a setting of `names` is bad: what `npm start` and each of its processes, started by hand too,
 * do first, instead of running with the default.
 */
export function exitOnSettingProblems(names?: readonly SettingName[]): void {
  const problems = settingProblems(names);
  if (problems.length === 0) return;
  exitForBadInput(problems.join("; "));
}

/** Exits the process with code 2 (bad input) and `message` on stderr in one line, prefixed `tracehop preprocess:`. */
export function exitForBadInput(message: string): never {
  console.error(`tracehop preprocess: ${message}`);
  process.exit(2);
}

/**
 * A start-up failure that is bad input, not a bug (an unreachable broker): its message says what to fix,
 * and a process started by hand answers it as `npm start` does, one line and exit 2 ({@link exitOnBadInput}).
 */
export class BadInputError extends Error {}

/** For a start-up promise's catch: exits 2 with the message of a {@link BadInputError}; any other error is thrown again. */
export function exitOnBadInput(err: unknown): never {
  if (err instanceof BadInputError) exitForBadInput(err.message);
  throw err;
}

/** Largest document the api accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;
