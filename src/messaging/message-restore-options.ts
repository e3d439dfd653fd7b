/**
 * The options a message gives (`attempt`, `run`, `capturedAt`, `messageId`, `conversationId`,
 * `routingKey`): a bad value is left out,
 * never an error.
 */
import { valueToText } from "./header-getters.js";
import {
  capturedAtOption,
  ORDINAL_HINT,
  ordinalOptions,
  warnOptionIgnored,
} from "../context/ordinal-options.js";
import type { WithCarrierOptions } from "../context/with-carrier.js";
import type { RestoreOptions } from "./messaging-options.js";

/** What happens to the message when one of its options is left out, as the warning says it. */
const HANDLED = "the message handled as usual";

/** What the per-message options take, for the warning that leaves a bad one out. */
const MESSAGE_OPTION_HINTS = {
  attempt: `${ORDINAL_HINT} (a RabbitMQ quorum queue's x-delivery-count, up to RabbitMQ 4.2, counts the earlier deliveries and is missing on the first, where Number() of it is NaN: pass msg.fields.redelivered ? Number(headers["x-delivery-count"]) + 1 : 1; from 4.3 see docs/messaging.md, "The spans"; a classic queue sends no x-delivery-count, on a redelivery neither: count the deliveries yourself or pass no attempt)`,
} as const;

/**
 * What `messageId`, `conversationId` and `routingKey` take ({@link messageTextOption}), `%` standing for
 * the attribute each sets.
 */
const MESSAGE_TEXT_HINT =
  "a string (%), a Buffer or Uint8Array (decoded as UTF-8, as header values are), a " +
  "safe integer or a bigint (its decimal text), or null or undefined for none (a header or MQTT user " +
  "property repeated arrives as an array: pass the one value you mean)";

/** The options of the messaging helpers read as text from the message, and the attribute each sets. */
export const MESSAGE_TEXT_OPTIONS = {
  messageId: "messaging.message.id",
  conversationId: "messaging.message.conversation_id",
  routingKey: "rabbitmq.destination.routing_key",
} as const;

/** What {@link messageRestoreOptions} gives. */
export interface MessageRestore {
  /**
   * The options to restore with: `restore` itself, or a copy without a bad value (and with an
   * `attempt` or `run` given as a bigint or a text as its number).
   */
  restore: Omit<WithCarrierOptions, "kind" | "attributes" | "links" | "propagator">;
  /** `capturedAt` read as epoch milliseconds (`undefined`: not given, or left out). */
  capturedAtMs: number | undefined;
}

/**
 * `restore` without the options that come from the message (`attempt`, `run`, `capturedAt`: a
 * delivery count, a run number, a timestamp read from its headers or properties) whose value is
 * unusable — `attempt` or `run` not an integer from 1 to `Number.MAX_SAFE_INTEGER` given as a number, a
 * bigint or a text of its decimal digits (`NaN`, `"3.5"`, `2.5`, `0`, `2 ** 60`: an attribute value a
 * number no longer holds exactly; a usable one is taken as its number: `ordinalOptions`, as
 * `withCarrier` takes it), `capturedAt` no time `toEpochMs` reads (`"yesterday"`, `NaN`, an invalid
 * Date, an object, an impossible date such as `"2026-02-30"`: `capturedAtOption`) — as if they were
 * not given: the span has no `tracehop.attempt`, `tracehop.run` or
 * `tracehop.queue.wait` from them, and `fn` runs as usual (tracing never fails the message). `null` (a
 * nullable column without a value) is kept for `capturedAt` (an unknown time) and none for `attempt`
 * and `run`, said nothing. Each bad value is said once per process and helper: `diag.warn` and the
 * process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the option, the value and what it takes.
 * A usable `capturedAt` is read once, here: its epoch milliseconds are returned beside the options
 * (which are not copied for it), for the restore to use. `restore` itself is not changed (a copy is,
 * for a bad value, a bigint or a text). Never throws.
 */
export function messageRestoreOptions(restore: RestoreOptions, entry: string): MessageRestore {
  // The delivery-count hint is for a consumer's attempt; a relay's (withSendSpan's) is its row's.
  const hints = entry === "withSendSpan" ? {} : { attempt: MESSAGE_OPTION_HINTS.attempt };
  // `capturedAt: null` (a nullable column without a value) is an unknown time, as withCarrier reads
  // it: kept, said nothing.
  const { options: kept, ms: capturedAtMs } = capturedAtOption(
    ordinalOptions(restore, entry, HANDLED, hints),
    entry,
    HANDLED,
  );
  // Every attempt and run left is a number: ordinalOptions made it one.
  return { restore: kept as MessageRestore["restore"], capturedAtMs };
}

/**
 * `messageId` as the text of `messaging.message.id` ({@link messageTextOption}).
 */
export function messageIdText(value: unknown, entry: string): string | undefined {
  return messageTextOption(value, entry, "messageId");
}

/**
 * The value of `option` (`messageId`, `conversationId`, `routingKey`) as the text of the attribute it
 * sets ({@link MESSAGE_TEXT_OPTIONS}): it is most often read from the message itself or the row it is
 * sent for (a header, a property, an MQTT user property, a column), so no value fails the message.
 * - a non-empty string: as it is;
 * - `null`, `undefined` or an empty string or empty bytes (a header or a nullable column without a
 *   value, an AMQP `message-id` property set to ""): none, said nothing — `messaging.message.id` names
 *   a message, and "" names none (a whole message's own id, `properties.messageId`, then stays); the
 *   conventions set `rabbitmq.destination.routing_key` only when it is not empty;
 * - a Buffer or another Uint8Array (a kafkajs header as a consumer receives it): decoded whole as UTF-8
 *   with a BOM kept, as the header getters decode a header value (`valueToText`, header-getters.ts);
 * - a safe integer or a bigint (a numeric id column, an AMQP integer header): its decimal text, which
 *   is the value exactly (a number beyond `Number.MAX_SAFE_INTEGER` may have been rounded already);
 * - anything else (an array: a header or an MQTT 5 user property repeated; an object, a boolean, `NaN`,
 *   `2.5`, an unsafe integer, bytes over `MAX_CARRIER_VALUE_LENGTH`): none, said once per process,
 *   `entry` and option (diag.warn and the process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the
 *   value and what the option takes).
 * Never throws.
 */
export function messageTextOption(
  value: unknown,
  entry: string,
  option: keyof typeof MESSAGE_TEXT_OPTIONS,
): string | undefined {
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
  const attribute = MESSAGE_TEXT_OPTIONS[option];
  if (text === undefined)
    warnOptionIgnored(entry, option, MESSAGE_TEXT_HINT.replace("%", attribute), value, attribute, HANDLED);
  // Empty bytes: none, as an empty string.
  return text === "" ? undefined : text;
}
