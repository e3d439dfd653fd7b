import { diag } from "@opentelemetry/api";
import { getBooleanFromEnv } from "@opentelemetry/core";

/**
 * Warnings about a trace that is being lost without an error: the user's call still succeeds
 * (tracing never fails the business call), so a `diag.warn` alone — printed only when a diag logger
 * is set (OTEL_LOG_LEVEL) — would leave nobody the wiser. These go out once per `key` and process,
 * through `diag.warn` and a Node process warning with a `code` (printed on stderr by default,
 * `--no-warnings` silences it, `process.on("warning")` sees it). Nothing is said under
 * OTEL_SDK_DISABLED=true. Never throws.
 */

/** Keys already warned about in this process. */
const given = new Set<string>();

/**
 * `diag.warn(message)` and `process.emitWarning(message, { code })`, the first time `key` is warned
 * about in this process; nothing afterwards. `message` is said in one line ({@link oneLine}: an error
 * message put into it may end in a line break). Returns `true` when it warned.
 */
export function warnOnce(key: string, message: string, code: string): boolean {
  if (given.has(key)) return false;
  given.add(key);
  return warnEach(message, code);
}

/**
 * `diag.warn(message)` and `process.emitWarning(message, { code })` at each call, in one line
 * ({@link oneLine}), nothing under OTEL_SDK_DISABLED: for a line its caller says when it is due and
 * limits itself (an outage of an export destination, CountingExporter). Returns `true` when it warned.
 */
export function warnEach(message: string, code: string): boolean {
  if (tracingDisabled()) return false;
  const line = oneLine(message);
  diag.warn(line);
  emitProcessWarning(line, code);
  return true;
}

/**
 * An environment setting tracehop does not use as written, so spans are lost or not sampled,
 * exported or described as configured: {@link warnOnce} keyed by the message itself (nothing under
 * OTEL_SDK_DISABLED). startTracing reads these before the NodeSDK sets up the OTEL_LOG_LEVEL logger,
 * so a `diag.warn` alone would be lost.
 */
export function warnSetting(message: string, code: string): void {
  warnOnce(message, message, code);
}

/**
 * The Node process warning of `message` alone, the first time `key` is given in this process (the
 * caller gives its own `diag.warn`, on every occurrence). Returns `true` when it warned.
 */
export function emitProcessWarningOnce(key: string, message: string, code: string): boolean {
  if (given.has(key)) return false;
  given.add(key);
  if (tracingDisabled()) return false;
  emitProcessWarning(message, code);
  return true;
}

/**
 * Internal: the Node process warning of `message` the first time `message` itself is given in this
 * process, OTEL_SDK_DISABLED or not: for a propagation setting read from the environment, which
 * `createPropagator` uses whether or not the SDK is on (its caller gives the `diag.warn`).
 */
export function emitSettingWarningOnce(message: string, code: string): void {
  if (given.has(message)) return;
  given.add(message);
  emitProcessWarning(message, code);
}

/** True when `key` has been warned about (or marked) in this process: a caller skips its own check. */
export function hasWarned(key: string): boolean {
  return given.has(key);
}

/** Checks that found nothing to warn about, per key ({@link countMiss}); forgotten with the warnings. */
const misses = new Map<string, number>();

/**
 * Counts one check for `key`'s warning that found nothing to say; at the `limit`-th, `key` is marked
 * as warned about ({@link hasWarned} true from then on): a check that a hot path repeats on every call
 * (each row or message restored without a context) and that would have found its mistake in the first
 * calls stops costing anything after `limit` calls that found none.
 */
export function countMiss(key: string, limit: number): void {
  const count = (misses.get(key) ?? 0) + 1;
  if (count < limit) {
    misses.set(key, count);
    return;
  }
  misses.delete(key);
  given.add(key);
}

/** Warnings counted per group ({@link countWithin}); forgotten with the warnings. */
const groupCounts = new Map<string, number>();

/**
 * Internal: counts one more warning of `group` (a kind of warning whose keys are not bounded, such as one
 * per carrier field name a propagator writes) and returns true for the first `max` of the process, false
 * from then on: the keys a process keeps, and what it prints, stay bounded. Forgotten by
 * {@link resetWarningsForTests} with the warnings themselves.
 */
export function countWithin(group: string, max: number): boolean {
  const count = groupCounts.get(group) ?? 0;
  if (count >= max) return false;
  groupCounts.set(group, count + 1);
  return true;
}

/**
 * Marks `key` as warned about, so that no process warning is given for it: for a program that
 * reports the problem itself (`tracehop inspect` names every Datadog id stored as a JSON number).
 */
export function markWarned(key: string): void {
  given.add(key);
}

/**
 * True under OTEL_SDK_DISABLED=true (read as the NodeSDK and `startTracing` read it): tracing is off on
 * purpose, so a trace that is not continued is what was asked for and nothing is said.
 */
export function tracingDisabled(): boolean {
  return getBooleanFromEnv("OTEL_SDK_DISABLED");
}

/** The process warning of `message`, in one line ({@link oneLine}), whoever calls. */
function emitProcessWarning(message: string, code: string): void {
  try {
    process.emitWarning(oneLine(message), { code });
  } catch {
    // A process without emitWarning (a bundle for another runtime): the diag warning stays.
  }
}

/**
 * `text` (a warning, or an error's message put into one) with each line break, and the whitespace around
 * it, turned into one space, and trimmed: OpenSSL's messages end with a newline (`write EPROTO
 * ...:ssl3_get_record:wrong version number:...:355:\n`, an https:// endpoint on a plain-HTTP port),
 * which would split a warning in two and leave its end (`; those spans are lost`) on a line of its own.
 * Other whitespace is kept: a quoted setting (`DD_PROPAGATION_STYLE_INJECT=" datadog  B3 "`) reads as
 * written.
 */
export function oneLine(text: string): string {
  return text.replace(/\s*[\n\r\u2028\u2029]\s*/g, " ").trim();
}

/** Test-only: forgets every warning given, so that a test sees its warning whatever ran before it. */
export function resetWarningsForTests(): void {
  given.clear();
  misses.clear();
  groupCounts.clear();
}
