// What a call tells the user about a trace it loses: Node process warnings and diag warnings, recorded
// while `fn` runs (process warnings are emitted on the next tick: waited for).
import assert from "node:assert/strict";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { resetContextManagerCheckForTests } from "../../src/context/run-in-span.js";
import { resetWarningsForTests } from "../../src/warn-once.js";

export interface Told {
  /** `[code, message]` of each process warning whose code starts with TRACEHOP_. */
  processWarnings: [string, string][];
  /** The message of each `diag.warn`. */
  diagWarnings: string[];
}

/** Forgets every once-per-process warning given so far (and the context manager check). */
export function resetWarnings(): void {
  resetWarningsForTests();
  resetContextManagerCheckForTests();
}

/** Runs `fn` (awaited) and returns its result with what it told. */
export async function recordWarnings<T>(fn: () => T | Promise<T>): Promise<{ result: T } & Told> {
  const processWarnings: [string, string][] = [];
  const diagWarnings: string[] = [];
  const onWarning = (warning: Error) => {
    const code = (warning as NodeJS.ErrnoException).code;
    if (code?.startsWith("TRACEHOP_")) processWarnings.push([code, warning.message]);
  };
  const noop = () => {};
  diag.setLogger(
    {
      error: noop,
      info: noop,
      debug: noop,
      verbose: noop,
      warn: (message: string) => diagWarnings.push(message),
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  process.on("warning", onWarning);
  try {
    const result = await fn();
    await new Promise((resolve) => setImmediate(resolve));
    return { result, processWarnings, diagWarnings };
  } finally {
    process.off("warning", onWarning);
    diag.disable();
  }
}

/** What the process warnings of `code` said, in order. */
export function said(told: Told, code: string): string[] {
  return told.processWarnings.filter(([c]) => c === code).map(([, message]) => message);
}

/** Asserts `told` holds `message` once as the process warning `code` and once as a diag warning. */
export function assertSaidOnce(told: Told, code: string, message: string): void {
  assert.deepEqual(said(told, code), [message]);
  assert.deepEqual(
    told.diagWarnings.filter((m) => m === message),
    [message],
  );
}

/**
 * The TRACEHOP_* process warnings that synchronous `call` gives, in order (emitted on a later tick:
 * two `setImmediate` turns waited for). For tests that look at the warnings alone, without the diag
 * logger {@link recordWarnings} installs.
 */
export async function tracehopWarningsOf(call: () => void): Promise<(Error & { code?: string })[]> {
  const seen: (Error & { code?: string })[] = [];
  const listener = (warning: Error) => seen.push(warning);
  process.on("warning", listener);
  try {
    call();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return seen.filter((w) => w.code?.startsWith("TRACEHOP_"));
}
