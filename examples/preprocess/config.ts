import { resolve } from "node:path";

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
 * TRACEHOP_POLL_MS as a poll interval in milliseconds, or the reason it is not one (unset: 100).
 * A number of milliseconds from 1 to {@link MAX_TIMER_MS}.
 */
function pollInterval(): { ms: number; problem?: string } {
  const text = process.env.TRACEHOP_POLL_MS;
  if (text === undefined || text === "") return { ms: 100 };
  const ms = Number(text);
  if (text.trim() === "" || !Number.isFinite(ms) || ms < 1 || ms > MAX_TIMER_MS)
    return {
      ms: 100,
      problem: `TRACEHOP_POLL_MS=${JSON.stringify(text)} is not a poll interval: write a number of milliseconds from 1 to ${MAX_TIMER_MS}, or unset it for 100`,
    };
  return { ms };
}

/** Poll interval of the relay and the embedded queue, in milliseconds: TRACEHOP_POLL_MS, default 100. */
export const POLL_INTERVAL_MS = pollInterval().ms;

/** What is wrong with the main job's own settings (TRACEHOP_POLL_MS), for `npm start` to refuse with. */
export function settingProblems(): string[] {
  const { problem } = pollInterval();
  return problem === undefined ? [] : [problem];
}

/** Largest document the api accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;
