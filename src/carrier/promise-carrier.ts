/**
 * A carrier handed over as a Promise: the commonest way to lose a stored trace without a word
 * (`withCarrier(prisma.job.findUnique(...), ...)` with its `await` forgotten, an `async` `headersFrom`).
 * A Promise has no own fields, so it reads as a carrier holding nothing and the work starts a new
 * trace; the types let it through, as every carrier parameter is `unknown`.
 */
import { warnOnce } from "../warn-once.js";

/** Process warning code of a carrier that is a Promise (or another thenable). */
export const CARRIER_IS_PROMISE_WARNING = "TRACEHOP_CARRIER_IS_PROMISE";

/** Once-per-process key of {@link warnIfPromiseCarrier}: one warning for every reader together. */
const CARRIER_PROMISE_WARNING_KEY = "carrier-promise";

/**
 * True when `value` is a Promise or another thenable (an object with a `then` method, Promises/A+
 * §1.1). Reads `then` once, as `await` would; false when reading it throws (a hostile proxy or getter).
 */
function isThenable(value: object): boolean {
  try {
    return value instanceof Promise || typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_CARRIER_IS_PROMISE`) when
 * `value`, a carrier that restored nothing, is a Promise or another thenable (a `PrismaPromise`, a query
 * builder), naming `reader` (what it was handed as, e.g. `the headers handed to withProcessSpan`) and
 * what came of it (`outcome`, e.g. `the work started a new trace`), with the fix: await it first. Called
 * only where a carrier yielded no context, never on the path of one that did. Returns whether `value` is
 * a thenable (warned now or before). Never throws.
 */
export function warnIfPromiseCarrier(value: object, reader: string, outcome: string): boolean {
  if (!isThenable(value)) return false;
  warnOnce(
    CARRIER_PROMISE_WARNING_KEY,
    `tracehop: ${reader} is a Promise, which holds no trace context until it is awaited: nothing was ` +
      `restored, ${outcome}. Await it first (withCarrier(await prisma.job.findUnique(...), ...)); a ` +
      `headersFrom or carrierFrom must return the headers or carrier itself, not a Promise of them`,
    CARRIER_IS_PROMISE_WARNING,
  );
  return true;
}
