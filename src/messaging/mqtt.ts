/**
 * MQTT 5 user properties that mqtt.js can publish: `undefined` where they would hold nothing. mqtt.js 5
 * (mqtt-packet 9) sizes a `userProperties` object of which it writes nothing (`{}`) as a property of
 * length 0, takes that for a failure and drops the PUBLISH without a word, so its callback and
 * `publishAsync` never settle; it leaves an `undefined` property out of the packet.
 */
import type { CaptureCarrierOptions } from "../context/carrier-context.js";
import { checkedCapture } from "../context/carrier-context.js";
import { writeKindOf } from "../carrier/header-object-kind.js";
import { describeValue } from "../describe-value.js";
import { writeFields } from "./header-writer.js";

/**
 * MQTT 5 user properties as mqtt.js takes them in `properties.userProperties` and delivers them: name ->
 * a string, or an array of strings for a property repeated under one name (mqtt.js's `UserProperties`).
 */
export type MqttUserProperties = Record<string, string | string[]>;

/**
 * Internal: whether mqtt.js would write no user property of `value`, an object of no header-entries kind
 * (not a Map, a `Headers` or a client's header object): mqtt-packet writes one per own property name
 * (`Object.getOwnPropertyNames`, non-enumerable ones too) and one per value of an array, so an object
 * without an own property, or whose own properties are all empty arrays, gives none, and its PUBLISH is
 * dropped. `false` when its names or a value cannot be read (a throwing getter or proxy trap: left for
 * mqtt.js to meet). Never throws.
 */
export function sendsNoUserProperty(value: object): boolean {
  try {
    for (const name of Object.getOwnPropertyNames(value)) {
      const property: unknown = (value as Record<string, unknown>)[name];
      if (!Array.isArray(property) || property.length > 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Internal: `value` checked as user properties for mqtt.js: `null` and `undefined` pass; an object of no
 * header-entries kind that is not an array passes. `where` names the public function in the error, `what`
 * the value (withSendSpan: its `options.headers` under system `"mqtt"`).
 * @throws TypeError for anything else: text, a number, a Map, a WHATWG `Headers`, a client's header
 *   object with `set`/`delete` (NATS `MsgHdrs`), whose entries mqtt.js never sends (it reads own
 *   properties: such an object has none, so its PUBLISH would be dropped and never settle); an array
 *   (`[["x-app", "orders"]]`, the [name, value] pairs other MQTT clients take), of which mqtt.js sends
 *   the indices and `length` as user properties.
 */
export function assertUserPropertiesShape(value: unknown, where: string, what = "the user properties"): void {
  if (value === null || value === undefined) return;
  const array = Array.isArray(value);
  const entries = !array && typeof value === "object" && writeKindOf(value) !== undefined;
  if (typeof value === "object" && !entries && !array) return;
  throw new TypeError(
    `tracehop ${where}: ${what} (${describeValue(value)}) are not an object of name -> value: ` +
      "mqtt.js publishes an object's own properties as MQTT 5 user properties" +
      (array
        ? ", an array's indices and length too; pass a plain object (Object.fromEntries(pairs) for [name, value] pairs)"
        : entries
          ? ", never a Map's or a header object's entries (it would drop the packet, and the publish would never settle); " +
            "pass a plain object (Object.fromEntries(map))"
          : "; pass a plain object of name -> string, or undefined for none"),
  );
}

/**
 * The user properties to publish with mqtt.js (`properties: { userProperties: mqttUserProperties(x) }`):
 * `userProperties` itself, or `undefined` when mqtt.js would write no user property of it — `null`,
 * `undefined`, an object without an own property (`{}`), or whose own properties are all empty arrays.
 * For user properties built with the general writers, which give `{}` when nothing is injected (tracing
 * suppressed, no active span, a propagator that writes nothing such as `OTEL_PROPAGATORS=none`, a row
 * holding no carrier): `writeCarrierToHeaders` of a stored carrier, `captureCarrier()`,
 * `injectKafkaHeaders()`, OpenTelemetry's `propagation.inject(context, {}, kafkaHeadersSetter)`. mqtt.js 5
 * (mqtt-packet 9) drops a PUBLISH whose `userProperties` gives nothing, without an error: its callback
 * and `publishAsync` never settle and the message is never sent; it leaves `undefined` out of the
 * packet. The object is returned as it is (not copied, not checked field by field). docs/messaging.md,
 * "Other clients".
 * @throws TypeError when `userProperties` is neither `null`, `undefined` nor an object of name -> value:
 *   text, a number, a Map, a WHATWG `Headers` object, a client's header object (NATS `MsgHdrs`), whose
 *   entries mqtt.js does not send, an array (of [name, value] pairs: mqtt.js sends its indices and
 *   length) (a mistake in the calling code, said with what to pass).
 */
export function mqttUserProperties<P extends Record<string, unknown>>(
  userProperties: P | null | undefined,
): P | undefined {
  assertUserPropertiesShape(userProperties, "mqttUserProperties");
  if (userProperties === null || userProperties === undefined) return undefined;
  return sendsNoUserProperty(userProperties) ? undefined : userProperties;
}

/**
 * Injects the given (default: active) context into MQTT 5 user properties, as `injectKafkaHeaders`
 * injects into Kafka headers — in place (a new object for `undefined` or `null`; a copy when the object
 * cannot take the context: frozen, a throwing setter), the propagation properties already there replaced,
 * each value a string — and returns them for `properties: { userProperties }` of mqtt.js's `publish`, or
 * `undefined` when they hold nothing to send: nothing was injected (tracing suppressed, no active span, a
 * propagator that writes nothing such as `OTEL_PROPAGATORS=none`) and no property was given
 * ({@link mqttUserProperties}: mqtt.js 5 drops a PUBLISH whose `userProperties` is `{}` and never settles
 * its publish). `options` are `captureCarrier`'s: `context`, `propagator`, `baggage` (`"all"` by
 * default, `"none"` or a list of baggage keys); a field a message header setter would leave out is left
 * out, said once, as `injectKafkaHeaders` says it (docs/messaging.md, "What the setters leave out").
 * docs/messaging.md, "Other clients".
 * @throws TypeError for `options` that are a mistake in the calling code (as `injectKafkaHeaders`), and
 *   for `userProperties` that are not an object of name -> value ({@link mqttUserProperties}: text, a
 *   Map, a header object, whose entries mqtt.js does not send, an array).
 */
export function injectMqttUserProperties(
  userProperties?: MqttUserProperties | null,
  options: CaptureCarrierOptions = {},
): MqttUserProperties | undefined {
  assertUserPropertiesShape(userProperties, "injectMqttUserProperties");
  const carrier = checkedCapture(options, "injectMqttUserProperties");
  const written = writeFields(userProperties ?? {}, carrier, "injectMqttUserProperties");
  return sendsNoUserProperty(written) ? undefined : written;
}
