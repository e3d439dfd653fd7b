import { describeValue, quoteWritten } from "../describe-value.js";

/**
 * Longest queue name the usage error quotes whole in the call to write (AMQP 0-9-1 §4.2.5.3: a queue
 * name is a short string, at most 255 octets); longer is cut with its length.
 */
const MAX_QUEUE_NAME_LENGTH = 255;

/**
 * RabbitMQ's name of the default (nameless) exchange: the RabbitMQ conventions' `messaging.destination.name`
 * of a publish with neither exchange nor routing key (never `""`).
 */
export const RABBITMQ_DEFAULT_EXCHANGE_NAME = "amq.default";

/** What names a delivery's destination: amqplib's `msg.fields` of a consumed message, or the message itself. */
export type RabbitmqDelivery =
  | { readonly exchange: string; readonly routingKey: string }
  | { readonly fields: { readonly exchange: string; readonly routingKey: string } };

/**
 * `messaging.destination.name` of a RabbitMQ operation, as the RabbitMQ semantic conventions spell it
 * (open-telemetry/semantic-conventions `docs/messaging/rabbitmq.md`, note [1] on
 * `messaging.destination.name` of the send, receive and process spans); never `""`:
 * - publish (`queue` left out): `{exchange}:{routing key}`; when only one is non-empty, that one; when
 *   both are empty, `amq.default`. Example: `("", "jobs")` -> `"jobs"` (`sendToQueue("jobs")`),
 *   `("logs", "warn")` -> `"logs:warn"`, `("", "")` -> `"amq.default"`.
 * - consume (`queue` given): `{exchange}:{routing key}:{queue}` with empty parts left out, and the queue
 *   left out when it equals the routing key. Example: `("", "jobs", "jobs")` -> `"jobs"`,
 *   `("logs", "warn", "q1")` -> `"logs:warn:q1"`.
 *
 * `exchange` and `routingKey` are those of `publish`/`sendToQueue` (`""` is the default exchange as
 * amqplib takes it: sendToQueue's exchange, routing key = queue) or of the delivered message's `fields`;
 * `queue` is the name of the queue the message was consumed from.
 * @throws TypeError (a programming error; the message says what to pass) when `exchange` or
 *   `routingKey` is not a string (`("jobs")`: the routing key left out), `queue` is given and is not a
 *   non-empty string (`""` names no queue: for a server-named queue pass the name `assertQueue`
 *   returned), or more arguments are given.
 */
export function rabbitmqDestinationName(exchange: string, routingKey: string, queue?: string): string;
/**
 * `messaging.destination.name` of a consumed RabbitMQ message (consume form), from the delivered message
 * or its `fields`: `(msg, "jobs")` is `(msg.fields.exchange, msg.fields.routingKey, "jobs")`; without a
 * queue, `{exchange}:{routing key}` with empty parts left out (`amq.default` when both are empty). The
 * rules and their source: the form above. A message amqplib delivered always passes.
 * @throws TypeError when `delivered` has no string `exchange` and `routingKey`, its own or in its `fields`
 *   (`msg.properties`: pass `msg` or `msg.fields`), reading them throws, `queue` is given and is not a
 *   non-empty string, or more arguments are given.
 */
export function rabbitmqDestinationName(delivered: RabbitmqDelivery, queue?: string): string;
export function rabbitmqDestinationName(...args: unknown[]): string {
  const [first, second, third] = args;
  if (first !== null && typeof first === "object") {
    if (args.length > 2)
      throw usage(`the delivered message takes the queue alone after it, got ${args.length} arguments`);
    const fields = deliveryFields(first);
    return destinationName(fields.exchange, fields.routingKey, checkedQueue(second));
  }
  if (args.length > 3) throw usage(`it takes at most three arguments, got ${args.length}`);
  if (typeof first !== "string")
    throw usage(
      `the exchange must be a string ("" for the default exchange, as publish takes it), or the delivered message, got ${describeValue(first)}`,
    );
  if (typeof second !== "string")
    throw usage(
      args.length === 1
        ? `the routing key is missing: pass the exchange and the routing key (${JSON.stringify("")}, ${quoteWritten(first, MAX_QUEUE_NAME_LENGTH)}) for sendToQueue(${quoteWritten(first, MAX_QUEUE_NAME_LENGTH)})`
        : `the routing key must be a string, got ${describeValue(second)}`,
    );
  return destinationName(first, second, checkedQueue(third));
}

/** The TypeError of a call `rabbitmqDestinationName` cannot answer: what was wrong and the forms it takes. */
function usage(what: string): TypeError {
  return new TypeError(
    `tracehop rabbitmqDestinationName: ${what}. Call it as rabbitmqDestinationName(exchange, routingKey) ` +
      `for a publish, rabbitmqDestinationName(exchange, routingKey, queue) or rabbitmqDestinationName(msg, queue) ` +
      `for a consumed message (msg or msg.fields)`,
  );
}

/** `queue` when it is left out (`undefined`) or a non-empty string; else the TypeError that says so. */
function checkedQueue(queue: unknown): string | undefined {
  if (queue === undefined || (typeof queue === "string" && queue !== "")) return queue;
  throw usage(
    `the queue must be the name of the queue the message was consumed from, a non-empty string (for a server-named queue, the name assertQueue returned), got ${describeValue(queue)}`,
  );
}

/** The exchange and routing key of a delivered message or its `fields`; else the TypeError that says so. */
function deliveryFields(delivered: object): { exchange: string; routingKey: string } {
  let exchange: unknown;
  let routingKey: unknown;
  try {
    const own = delivered as { fields?: unknown; exchange?: unknown; routingKey?: unknown };
    const fields = own.fields !== null && typeof own.fields === "object" ? (own.fields as typeof own) : own;
    exchange = fields.exchange;
    routingKey = fields.routingKey;
  } catch {
    // A getter or Proxy trap that throws: no message amqplib delivered.
  }
  if (typeof exchange === "string" && typeof routingKey === "string") return { exchange, routingKey };
  throw usage(
    `the delivered message must be an amqplib message or its fields, with string exchange and routingKey, got ${describeValue(delivered)} without them (msg.properties? pass msg or msg.fields)`,
  );
}

/**
 * The name of the parts: empty parts left out, and the queue (the consume form's, when given) when it
 * equals the routing key; `amq.default` when nothing is left (a publish, or a delivery, through the
 * default exchange with an empty routing key).
 */
function destinationName(exchange: string, routingKey: string, queue: string | undefined): string {
  const parts: string[] = [];
  if (exchange !== "") parts.push(exchange);
  if (routingKey !== "") parts.push(routingKey);
  if (queue !== undefined && queue !== routingKey) parts.push(queue);
  return parts.length ? parts.join(":") : RABBITMQ_DEFAULT_EXCHANGE_NAME;
}
