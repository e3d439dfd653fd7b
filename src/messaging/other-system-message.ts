/** The other messaging client's whole message, handed to a helper of one system: said once. */
import { CARRIER_IN_OTHER_FIELD_WARNING, holdsCarrier } from "../context/carrier-source.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import { MESSAGING_SYSTEM_VALUE_KAFKA, MESSAGING_SYSTEM_VALUE_RABBITMQ } from "./semconv.js";
import { headersOfMessage, type MessageKind } from "./consumed-message.js";

/** Once-per-process key of {@link warnIfMessageOfOtherSystem}. */
const OTHER_SYSTEM_WARNING_KEY = "message-of-other-system";

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`)
 * when `message`, handed to `caller` under `system` (whose helpers recognise only their own client's
 * message, `kind`: {@link messageKindOf}), is the other client's whole message whose headers hold a
 * trace carrier (an own propagation field, looked up by name: `holdsCarrier`): an amqplib
 * `ConsumeMessage` under `system: "kafka"` (its carrier at
 * `properties.headers`, two levels down, which neither the headers reader nor the field scan of
 * `warnIfCarrierInOtherField` reaches), a kafkajs message or `eachMessage` payload under
 * `system: "rabbitmq"`. The stored context is then not restored and the span starts a new trace. The
 * message names the system to give and the headers to pass instead. Called only when nothing was
 * restored; nothing but the `hasWarned` test once said. Returns true when it gave the warning (the
 * caller then says nothing more of the message). Never throws.
 */
export function warnIfMessageOfOtherSystem(
  message: unknown,
  kind: MessageKind,
  system: string,
  caller: "withProcessSpan" | "withBatchProcessSpan",
): boolean {
  // Said once per process: no shape test after that (called for every message without a context).
  if (kind === "any" || hasWarned(OTHER_SYSTEM_WARNING_KEY)) return false;
  if (message === null || typeof message !== "object" || headersOfMessage(message, kind) !== message)
    return false;
  try {
    const headers = headersOfMessage(message, "any");
    if (headers === message || !holdsCarrier(headers)) return false;
    const amqp = kind === "kafka";
    const right = amqp ? MESSAGING_SYSTEM_VALUE_RABBITMQ : MESSAGING_SYSTEM_VALUE_KAFKA;
    const path = amqp
      ? ".properties.headers"
      : headers === (message as { headers?: unknown }).headers
        ? ".headers"
        : ".message.headers";
    const fix =
      caller === "withProcessSpan"
        ? `withProcessSpan(message${path}, ...)`
        : `withBatchProcessSpan(messages, { ..., headersFrom: (message) => message${path} })`;
    return warnOnce(
      OTHER_SYSTEM_WARNING_KEY,
      `tracehop/messaging: ${caller} was handed ${amqp ? "an amqplib" : "a kafkajs"} message under ` +
        `system ${JSON.stringify(system)}, which reads only ${amqp ? "a kafkajs" : "an amqplib"} message ` +
        `or headers: the trace carrier in its headers (message${path}) was not read, and the stored ` +
        `context was not restored. Give its system, system: "${right}", or pass its headers: ${fix}.`,
      CARRIER_IN_OTHER_FIELD_WARNING,
    );
  } catch {
    return false; // a throwing getter or proxy trap: nothing to say
  }
}
