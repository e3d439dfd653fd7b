/**
 * Span attributes that tracehop's restore side writes (docs/restore.md "Attributes").
 *
 * OpenTelemetry's semantic conventions (1.45) have no general attribute for the attempt number of a
 * job, the wait between capture and restore, or the relation chosen, so these live under the
 * `tracehop.` namespace. Where a convention applies it is used instead: `messaging.batch.message_count`
 * on batch spans.
 */

/** Relation the restored span has to the stored context: `parent`, `link` or `none` (after `auto`). */
export const ATTR_TRACEHOP_RELATION = "tracehop.relation";

/**
 * 1-based attempt number of the work item (1 = first delivery, 2 = first retry, ...), from the
 * `attempt` option. Every attempt restores from the stored carrier (open-telemetry/opentelemetry-js#4001,
 * keepsuit/laravel-opentelemetry#89).
 */
export const ATTR_TRACEHOP_ATTEMPT = "tracehop.attempt";

/**
 * 1-based run number of a repeating or rescheduled job restored from one stored carrier, from the
 * `run` option. `relation: "auto"` parents only run 1 (taskforcesh/bullmq#2942).
 */
export const ATTR_TRACEHOP_RUN = "tracehop.run";

/**
 * Time the stored context waited between capture and restore, in seconds (double; the OpenTelemetry
 * unit for durations). Restore time minus the capture time (`capturedAt` option, else the row's
 * `createdAt`, whether or not the row holds a carrier: a row written before tracehop, its carrier
 * NULL, waited all the same; `withCarrier(row, ...)` and `traced` alike); 0 when clocks disagree and
 * the difference is negative. Absent when the capture time is unknown. Oban's `queue_time` and
 * Sentry's `messaging.message.receive.latency` show the same quantity.
 */
export const ATTR_TRACEHOP_QUEUE_WAIT = "tracehop.queue.wait";

/**
 * `true` on the process span of an MQTT message delivered as a retained message (the mqtt.js PUBLISH
 * packet handed to `withProcessSpan` had `retain` set: MQTT 5.0 §3.3.1.3, a retained message sent on
 * subscribe). Such a message carries the context of its publish, of an age MQTT does not give, so
 * `relation: "auto"` links it instead of parenting it when no capture time is given (docs/messaging.md,
 * "Old contexts"). The semantic conventions (1.45) have no MQTT attributes. Absent otherwise.
 */
export const ATTR_TRACEHOP_MQTT_RETAINED = "tracehop.mqtt.retained";

/**
 * OpenTelemetry messaging convention: number of messages a batch span processes. Set on every batch
 * span (`withBatch`, `withBatchProcessSpan`), a batch of one included: the convention asks batching
 * APIs to set it and single-message APIs not to, whatever the count.
 */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";

/**
 * OpenTelemetry `error.type` (stable; the value of `ATTR_ERROR_TYPE` in
 * @opentelemetry/semantic-conventions, not imported so that the restore path does not load that
 * package): the class of error a span's operation ended with. Set only on a failed span
 * (semantic conventions, "Recording errors": "SHOULD set the `error.type` attribute"; messaging spans:
 * "Conditionally Required: if and only if the messaging operation has failed").
 */
export const ATTR_ERROR_TYPE = "error.type";

/** `error.type` when the thrown value has no type name (not an Error, or an empty `name`). */
export const ERROR_TYPE_VALUE_OTHER = "_OTHER";

/** Milliseconds per second, for {@link ATTR_TRACEHOP_QUEUE_WAIT}. */
export const MS_PER_SECOND = 1000;
