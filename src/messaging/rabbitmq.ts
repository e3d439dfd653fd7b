/** RabbitMQ's name of the default (nameless) exchange, used for a publish with neither exchange nor key. */
export const RABBITMQ_DEFAULT_EXCHANGE_NAME = "amq.default";

/**
 * `messaging.destination.name` of a RabbitMQ operation, as the RabbitMQ semantic conventions spell it
 * (open-telemetry/semantic-conventions `docs/messaging/rabbitmq.md`, note on the destination name):
 * - publish (`queue` undefined): `{exchange}:{routing key}`; when only one is non-empty, that one; when
 *   both are empty, `amq.default`. Example: `("", "jobs")` -> `"jobs"`, `("logs", "warn")` -> `"logs:warn"`.
 * - consume (`queue` given): `{exchange}:{routing key}:{queue}` with empty parts left out, and the queue
 *   left out when it equals the routing key; `""` when all are empty. Example: `("", "jobs", "jobs")` ->
 *   `"jobs"`, `("logs", "warn", "q1")` -> `"logs:warn:q1"`.
 * Arguments are the exchange and routing key of `publish`/`sendToQueue` (sendToQueue: exchange `""`,
 * routing key = queue) or of the delivered message's `fields`. Never throws; non-strings count as empty.
 */
export function rabbitmqDestinationName(exchange: string, routingKey: string, queue?: string): string {
  const parts: string[] = [];
  if (typeof exchange === "string" && exchange !== "") parts.push(exchange);
  if (typeof routingKey === "string" && routingKey !== "") parts.push(routingKey);
  if (queue === undefined) return parts.length ? parts.join(":") : RABBITMQ_DEFAULT_EXCHANGE_NAME;
  if (typeof queue === "string" && queue !== "" && queue !== routingKey) parts.push(queue);
  return parts.join(":");
}
