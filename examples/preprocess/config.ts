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

/** Poll interval of the relay and the embedded queue, in milliseconds. */
export const POLL_INTERVAL_MS = Number(process.env.TRACEHOP_POLL_MS ?? 100);

/** Largest document the api accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;
