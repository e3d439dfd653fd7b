/**
 * The options a message gives (`attempt`, `run`, `capturedAt`, `messageId`): a bad value is left out,
 * never an error.
 */
import { describeValue } from "../describe-value.js";
import { valueToText } from "./header-getters.js";
import { toEpochMs } from "../context/carrier-source.js";
import { isOrdinal } from "../context/relation.js";
import { warnOnce } from "../warn-once.js";
import type { WithCarrierOptions } from "../context/with-carrier.js";
import type { RestoreOptions } from "./messaging-options.js";

/** Code of the process warning {@link messageRestoreOptions} gives. */
const MESSAGE_OPTION_IGNORED_WARNING = "TRACEHOP_MESSAGE_OPTION_IGNORED";

/** What `attempt` and `run` take from a message. */
const ORDINAL_HINT = "an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1), a number or a bigint";

/** What each per-message option is, for the warning that leaves a bad one out. */
const MESSAGE_OPTION_HINTS: Readonly<Record<"attempt" | "run" | "capturedAt", string>> = {
  attempt: `${ORDINAL_HINT} (a RabbitMQ quorum queue's x-delivery-count, up to RabbitMQ 4.2, counts the earlier deliveries and is missing on the first, where Number() of it is NaN: pass msg.fields.redelivered ? Number(headers["x-delivery-count"]) + 1 : 1; from 4.3 see docs/messaging.md, "The spans")`,
  run: ORDINAL_HINT,
  capturedAt:
    "a Date, epoch milliseconds (a number, a bigint, a text of digits) or an ISO 8601 text (see withCarrier's capturedAt)",
};

/** What `messageId` takes ({@link messageIdText}). */
const MESSAGE_ID_HINT =
  "a string (messaging.message.id), a Buffer or Uint8Array (decoded as UTF-8, as header values are), a " +
  "safe integer or a bigint (its decimal text), or null or undefined for none (a header or MQTT user " +
  "property repeated arrives as an array: pass the one value you mean)";

/** The options {@link messageRestoreOptions} checks: those that come from the message. */
const MESSAGE_OPTIONS = ["attempt", "run", "capturedAt"] as const;

/** What {@link messageRestoreOptions} gives. */
export interface MessageRestore {
  /**
   * The options to restore with: `restore` itself, or a copy without a bad value (and with a bigint
   * `attempt` or `run` as its number).
   */
  restore: Omit<WithCarrierOptions, "kind" | "attributes" | "links" | "propagator">;
  /** `capturedAt` read as epoch milliseconds (`undefined`: not given, or left out). */
  capturedAtMs: number | undefined;
}

/**
 * `restore` without the options that come from the message (`attempt`, `run`, `capturedAt`: a
 * delivery count, a run number, a timestamp read from its headers or properties) whose value is
 * unusable — `attempt` or `run` not an integer from 1 to `Number.MAX_SAFE_INTEGER` (`NaN`, `"3"`, `2.5`,
 * `0`, `2 ** 60`: an attribute value a number no longer holds exactly; a bigint in that range is taken
 * as its number, as `withCarrier` takes it), `capturedAt` no time `toEpochMs` reads
 * (`"yesterday"`, `NaN`, an invalid Date, an object; `null`, a nullable column without a value, is
 * kept and said nothing: an unknown time, as `withCarrier` reads it) — as if they were not given: the span has no
 * `tracehop.attempt`, `tracehop.run` or `tracehop.queue.wait` from them, and `fn` runs as usual
 * (tracing never fails the message; `withCarrier`, whose options are the caller's own, throws for a
 * bad `attempt` or `run` instead). Each is said once per process and helper: `diag.warn` and the
 * process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the option, the value and what it takes.
 * A usable `capturedAt` is read once, here: its epoch milliseconds are returned beside the options
 * (which are not copied for it), for the restore to use. `restore` itself is not changed (a copy is,
 * for a bad value or a bigint). Never throws.
 */
export function messageRestoreOptions(restore: RestoreOptions, entry: string): MessageRestore {
  let kept: RestoreOptions | undefined;
  let capturedAtMs: number | undefined;
  for (const name of MESSAGE_OPTIONS) {
    const value: unknown = restore[name];
    // `capturedAt: null` (a nullable column without a value) is an unknown time, as withCarrier reads
    // it: kept, said nothing.
    if (value === undefined || (value === null && name === "capturedAt")) continue;
    if (name !== "capturedAt") {
      if (isOrdinal(value)) {
        if (typeof value === "bigint") (kept ??= { ...restore })[name] = Number(value);
        continue;
      }
    } else {
      try {
        capturedAtMs = toEpochMs(value);
      } catch {
        // A proxy whose traps throw: no time.
      }
      if (capturedAtMs !== undefined) continue;
    }
    kept ??= { ...restore };
    delete kept[name];
    const attribute = name === "capturedAt" ? "tracehop.queue.wait from it" : `tracehop.${name}`;
    warnIgnored(entry, name, MESSAGE_OPTION_HINTS[name], value, attribute);
  }
  // Every attempt and run left is a number: a bigint was replaced by its number above.
  return { restore: (kept ?? restore) as MessageRestore["restore"], capturedAtMs };
}

/**
 * `messageId` as the text of `messaging.message.id`: it is most often read from the message itself (a
 * header, an MQTT user property, a column), so no value fails the message.
 * - a non-empty string: as it is;
 * - `null`, `undefined` or an empty string or empty bytes (a header or a nullable column without a
 *   value, an AMQP `message-id` property set to ""): no id, said nothing — `messaging.message.id` names
 *   a message, and "" names none (a whole message's own id, `properties.messageId`, then stays);
 * - a Buffer or another Uint8Array (a kafkajs header as a consumer receives it): decoded whole as UTF-8
 *   with a BOM kept, as the header getters decode a header value (`valueToText`, header-getters.ts);
 * - a safe integer or a bigint (a numeric id column, an AMQP integer header): its decimal text, which
 *   is the id exactly (a number beyond `Number.MAX_SAFE_INTEGER` may have been rounded already);
 * - anything else (an array: a header or an MQTT 5 user property repeated; an object, a boolean, `NaN`,
 *   `2.5`, an unsafe integer, bytes over `MAX_CARRIER_VALUE_LENGTH`): no id, said once per process and
 *   `entry` (diag.warn and the process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the value and
 *   what the option takes).
 * Never throws.
 */
export function messageIdText(value: unknown, entry: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  let text: string | undefined;
  try {
    if (value instanceof Uint8Array) text = valueToText(value, false);
    else if ((typeof value === "number" && Number.isSafeInteger(value)) || typeof value === "bigint")
      text = String(value);
  } catch {
    // A proxy whose getPrototypeOf trap throws (instanceof), a detached buffer: no text.
  }
  if (text === undefined) warnIgnored(entry, "messageId", MESSAGE_ID_HINT, value, "messaging.message.id");
  // Empty bytes: no id, as an empty string.
  return text === "" ? undefined : text;
}

/**
 * Says once per process, `entry` and option `name` that its `value` was left out (the span has no
 * `attribute` from it): `diag.warn` and `TRACEHOP_MESSAGE_OPTION_IGNORED`, with what it takes (`hint`).
 */
function warnIgnored(entry: string, name: string, hint: string, value: unknown, attribute: string): void {
  warnOnce(
    `${entry}-message-option-${name}`,
    `tracehop ${entry}: options.${name} must be ${hint}, got ${describeValue(value)}: left out (no ` +
      `${attribute} on the span), the message handled as usual. Said once per process; later messages ` +
      `with such a value are treated the same.`,
    MESSAGE_OPTION_IGNORED_WARNING,
  );
}
