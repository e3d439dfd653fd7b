/** The other messaging client's whole message, handed to a helper of one system: said once. */
import { quoteWritten } from "../describe-value.js";
import { CARRIER_IN_OTHER_FIELD_WARNING } from "../context/carrier-in-other-field.js";
import { holdsStoredCarrier } from "../context/holds-carrier.js";
import { countMiss, hasWarned, warnOnce } from "../warn-once.js";
import { MESSAGING_SYSTEM_VALUE_KAFKA, MESSAGING_SYSTEM_VALUE_RABBITMQ } from "./semconv.js";
import {
  clientMessageOf,
  headersOfMessage,
  type ClientMessage,
  type MessageKind,
} from "./consumed-message.js";

/** Once-per-process key of {@link warnIfMessageOfOtherSystem}. */
const OTHER_SYSTEM_WARNING_KEY = "message-of-other-system";

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`)
 * when `message`, handed to `caller` under `system` (whose helpers recognise only their own client's
 * message, `kind`: `messageKindOf`, span-description.ts), is the other client's whole message whose
 * headers hold a trace carrier (an own propagation field, looked up by name: `holdsCarrier`): an amqplib
 * `ConsumeMessage` under `system: "kafka"` (its carrier at
 * `properties.headers`, two levels down, which the headers reader does not reach; the field scan of
 * `warnIfCarrierInOtherField` would name that path, but not the system to give), a kafkajs message
 * or `eachMessage` payload under
 * `system: "rabbitmq"`. The stored context is then not restored and the span starts a new trace. The
 * message names the system to give and the headers to pass instead. Called only when nothing was
 * restored; nothing but the `hasWarned` test once said, or once {@link MAX_CHECKS_WITHOUT_MESSAGE}
 * checks for `caller` found nothing. `picked`: `message` is what the user's `headersFrom` of
 * `withBatchProcessSpan` returned for a message (`headersFrom: (m) => m`), and the warning says so and
 * names that option in its fix (`return its headers from your headersFrom, ... headersFrom: (message)
 * => <what it returns now>.headers`), as `withProcessSpan` handed such a message says it. Returns the
 * path of the headers in the message (`.properties.headers`) when it gave the warning (the caller then
 * says nothing more of the message, nor of that path later: `endCarrierFieldScan`), else `undefined`.
 * Never throws.
 */
export function warnIfMessageOfOtherSystem(
  message: unknown,
  kind: MessageKind,
  system: string,
  caller: "withProcessSpan" | "withBatchProcessSpan",
  picked = false,
): string | undefined {
  // Said once per process, or given up for this caller: no shape test after that (called for every
  // message without a context).
  const scanKey = SCAN_KEYS[caller];
  if (kind === "any" || hasWarned(OTHER_SYSTEM_WARNING_KEY) || hasWarned(scanKey)) return undefined;
  const path = otherSystemMessageWarned(message, kind, system, caller, picked);
  if (path === undefined) countMiss(scanKey, MAX_CHECKS_WITHOUT_MESSAGE);
  return path;
}

/**
 * Checks of {@link warnIfMessageOfOtherSystem} for one caller that find nothing to say before it stops
 * checking for that caller for good, as the carrier-in-other-field scan gives up
 * (`warnIfCarrierInOtherField`, the same 64): the mistake (the other system's name, a message handed
 * where its headers belong) is in the code, so it shows in the first messages restored without a
 * context; a consumer of untraced messages then costs nothing after these.
 */
const MAX_CHECKS_WITHOUT_MESSAGE = 64;

/** Once-per-process keys marking the checks of each caller given up ({@link MAX_CHECKS_WITHOUT_MESSAGE}). */
const SCAN_KEYS = {
  withProcessSpan: "message-of-other-system-scan:withProcessSpan",
  withBatchProcessSpan: "message-of-other-system-scan:withBatchProcessSpan",
} as const;

/**
 * The check of {@link warnIfMessageOfOtherSystem}: the path of the message's headers when it gave the
 * warning, else `undefined`. Never throws.
 */
function otherSystemMessageWarned(
  message: unknown,
  kind: MessageKind,
  system: string,
  caller: "withProcessSpan" | "withBatchProcessSpan",
  picked: boolean,
): string | undefined {
  if (message === null || typeof message !== "object" || headersOfMessage(message, kind) !== message)
    return undefined;
  try {
    const found = clientMessageOf(message);
    if (found === undefined || !holdsStoredCarrier(found.headers)) return undefined;
    const fix =
      caller === "withProcessSpan"
        ? `pass its headers: withProcessSpan(message${found.path}, ...)`
        : picked
          ? "return its headers from your headersFrom: withBatchProcessSpan(messages, { ..., headersFrom: " +
            `(message) => <what it returns now>${found.path} })`
          : `pass its headers: withBatchProcessSpan(messages, { ..., headersFrom: (message) => message${found.path} })`;
    const warned = warnOnce(
      OTHER_SYSTEM_WARNING_KEY,
      `tracehop ${caller}: ${picked ? "its headersFrom returned" : "given"} ${CLIENT_NAMES[found.client]} message under ` +
        `system ${quoteWritten(system)}, which reads only ${kind === "kafka" ? "a kafkajs" : "an amqplib"} ` +
        `message or headers: the trace carrier in its headers was not read, and the stored context was not ` +
        `restored. Give its system, system: "${SYSTEMS[found.client]}", or ${fix}.`,
      CARRIER_IN_OTHER_FIELD_WARNING,
    );
    return warned ? found.path : undefined;
  } catch {
    return undefined; // a throwing getter or proxy trap: nothing to say
  }
}

/** Each client's name with its article, for the warning. */
const CLIENT_NAMES: Readonly<Record<ClientMessage["client"], string>> = {
  amqplib: "an amqplib",
  kafkajs: "a kafkajs",
  "nats.js": "a nats.js",
  "mqtt.js": "an mqtt.js",
};

/** The `system` to give for each client's message (`messaging.system`; NATS and MQTT have no registry value). */
const SYSTEMS: Readonly<Record<ClientMessage["client"], string>> = {
  amqplib: MESSAGING_SYSTEM_VALUE_RABBITMQ,
  kafkajs: MESSAGING_SYSTEM_VALUE_KAFKA,
  "nats.js": "nats",
  "mqtt.js": "mqtt",
};
