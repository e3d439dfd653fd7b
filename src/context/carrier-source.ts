/**
 * Where a stored carrier comes from: a carrier object, its JSON text, or a row holding it.
 */

/** Field of a row (or any object) that holds its stored carrier: the Prisma column of tracehop/prisma. */
export const TRACE_CONTEXT_FIELD = "traceContext";
/** Field of a row that holds its creation time, read as the capture time of its carrier. */
const CREATED_AT_FIELD = "createdAt";

/**
 * The shape of a row or message that carries its own trace carrier — a Prisma row of a model with
 * the `traceContext Json?` column, or any object built the same way.
 *
 * - `traceContext`: the stored carrier (a `TraceCarrier` object, its JSON text, or `null` when
 *   the row was written without one). Read as untrusted input; nothing in it can make a call throw.
 * - `createdAt` (optional): when the row was written — a `Date`, epoch milliseconds, or an ISO 8601
 *   text. `withCarrier` takes it as the capture time of the carrier (queue wait, `relation: "auto"`).
 */
export interface TraceCarrierProvider {
  traceContext: unknown;
  createdAt?: Date | number | string | null;
}

/** A stored carrier and, when known, when it was captured (epoch milliseconds). */
export interface CarrierSource {
  carrier: unknown;
  capturedAtMs: number | undefined;
}

/**
 * True for an object that has a {@link TRACE_CONTEXT_FIELD} property (the {@link TraceCarrierProvider}
 * shape). A carrier object never has one: carrier keys are lower-case header names.
 */
export function isTraceCarrierProvider(value: unknown): value is TraceCarrierProvider {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    TRACE_CONTEXT_FIELD in value
  );
}

/**
 * Splits what a caller handed to `withCarrier` into the carrier and its capture time: a
 * {@link TraceCarrierProvider} gives its `traceContext` and `createdAt`; anything else is the carrier
 * itself (object or JSON text) with no known capture time. Never throws.
 */
export function readCarrierSource(input: unknown): CarrierSource {
  if (!isTraceCarrierProvider(input)) return { carrier: input, capturedAtMs: undefined };
  let capturedAtMs: number | undefined;
  try {
    capturedAtMs = toEpochMs((input as unknown as Record<string, unknown>)[CREATED_AT_FIELD]);
  } catch {
    capturedAtMs = undefined; // A hostile getter on the row: no capture time.
  }
  return { carrier: input.traceContext, capturedAtMs };
}

/**
 * A time as epoch milliseconds: a valid `Date`, a finite number (epoch milliseconds), or a text that
 * `Date.parse` reads (ISO 8601). `undefined` for anything else. Never throws.
 */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.length > 0) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}
