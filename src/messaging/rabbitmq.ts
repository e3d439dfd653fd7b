/** RabbitMQ's name of the default (nameless) exchange, used for a publish with neither exchange nor key. */
export const RABBITMQ_DEFAULT_EXCHANGE_NAME = "amq.default";

/** What names a delivery's destination: amqplib's `msg.fields` of a consumed message, or the message itself. */
export type RabbitmqDelivery =
  | { readonly exchange: string; readonly routingKey: string }
  | { readonly fields: { readonly exchange: string; readonly routingKey: string } };

/**
 * `messaging.destination.name` of a RabbitMQ operation, as the RabbitMQ semantic conventions spell it
 * (open-telemetry/semantic-conventions `docs/messaging/rabbitmq.md`, note on the destination name):
 * - publish (`queue` undefined): `{exchange}:{routing key}`; when only one is non-empty, that one; when
 *   both are empty, `amq.default`. Example: `("", "jobs")` -> `"jobs"`, `("logs", "warn")` -> `"logs:warn"`.
 * - consume (`queue` given): `{exchange}:{routing key}:{queue}` with empty parts left out, and the queue
 *   left out when it equals the routing key; `""` when all are empty. Example: `("", "jobs", "jobs")` ->
 *   `"jobs"`, `("logs", "warn", "q1")` -> `"logs:warn:q1"`.
 *
 * Arguments are the exchange and routing key of `publish`/`sendToQueue` (sendToQueue: exchange `""`,
 * routing key = queue) or of the delivered message's `fields`, or, on the consume side, the delivered
 * message or its `fields` themselves: `(msg, "jobs")` and `(msg.fields, "jobs")` are
 * `(msg.fields.exchange, msg.fields.routingKey, "jobs")`, always the consume form (a queue left out
 * counts as `""`). Never throws; non-strings count as empty, and so does a field whose getter throws.
 */
export function rabbitmqDestinationName(exchange: string, routingKey: string, queue?: string): string;
/**
 * `messaging.destination.name` of a consumed RabbitMQ message (consume form), from the delivered message
 * or its `fields`: `(msg, "jobs")` is `(msg.fields.exchange, msg.fields.routingKey, "jobs")`; a queue left
 * out counts as `""`. The rules and their source: the three-argument form above. Never throws.
 */
export function rabbitmqDestinationName(delivered: RabbitmqDelivery, queue?: string): string;
export function rabbitmqDestinationName(first: unknown, second?: unknown, third?: unknown): string {
  if (first !== null && typeof first === "object") {
    const fields = deliveryFields(first);
    return destinationName(fields.exchange, fields.routingKey, typeof second === "string" ? second : "");
  }
  return destinationName(first, second, third);
}

/** The exchange and routing key of a delivered message or its `fields` (`undefined` where unreadable). */
function deliveryFields(delivered: object): { exchange: unknown; routingKey: unknown } {
  try {
    const own = delivered as { fields?: unknown; exchange?: unknown; routingKey?: unknown };
    const fields = own.fields !== null && typeof own.fields === "object" ? (own.fields as typeof own) : own;
    return { exchange: fields.exchange, routingKey: fields.routingKey };
  } catch {
    return { exchange: undefined, routingKey: undefined }; // A getter or Proxy trap that throws.
  }
}

function destinationName(exchange: unknown, routingKey: unknown, queue: unknown): string {
  const parts: string[] = [];
  if (typeof exchange === "string" && exchange !== "") parts.push(exchange);
  if (typeof routingKey === "string" && routingKey !== "") parts.push(routingKey);
  if (queue === undefined) return parts.length ? parts.join(":") : RABBITMQ_DEFAULT_EXCHANGE_NAME;
  if (typeof queue === "string" && queue !== "" && queue !== routingKey) parts.push(queue);
  return parts.join(":");
}
