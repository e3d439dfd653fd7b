/**
 * MQTT 5 user properties that mqtt.js can publish: `undefined` where they would hold nothing. mqtt.js 5
 * (mqtt-packet 9) sizes a `userProperties` object of which it writes nothing (`{}`) as a property of
 * length 0, takes that for a failure and drops the PUBLISH without a word, so its callback and
 * `publishAsync` never settle; it leaves an `undefined` property out of the packet.
 */
import type { CaptureCarrierOptions } from "../context/carrier-context.js";
import { checkedCapture } from "../context/carrier-context.js";
import { writeKindOf } from "../carrier/header-object-kind.js";
import { describeValue, quoteWritten } from "../describe-value.js";
import { isStaleHeader } from "./header-entries.js";
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
 * header-entries kind that is not an array passes when each of its own properties
 * (`Object.getOwnPropertyNames`, as mqtt-packet reads them) holds a value mqtt.js sends
 * ({@link userPropertyValueFault}). `where` names the public function in the error, `what` the value
 * (withSendSpan: its `options.headers` under system `"mqtt"`). `replaced`: the writers
 * (`injectMqttUserProperties`, `withSendSpan`), which remove every propagation property before they write
 * the context (any case; the baggage headers too): such a property never reaches mqtt.js and is not
 * checked. A property whose getter or proxy trap throws is left for mqtt.js to meet.
 * @throws TypeError for anything else: text, a number, a Map, a WHATWG `Headers`, a client's header
 *   object with `set`/`delete` (NATS `MsgHdrs`), whose entries mqtt.js never sends (it reads own
 *   properties: such an object has none, so its PUBLISH would be dropped and never settle); an array
 *   (`[["x-app", "orders"]]`, the [name, value] pairs other MQTT clients take), of which mqtt.js sends
 *   the indices and `length` as user properties; and an object holding a property mqtt.js cannot send
 *   (`undefined`, `null`: the publish fails deep in mqtt-packet; an object: mqtt.js sends its
 *   `toString()` text, `"[object Object]"`), said with its name.
 */
export function assertUserPropertiesShape(
  value: unknown,
  where: string,
  what = "the user properties",
  replaced = false,
): void {
  if (value === null || value === undefined) return;
  const array = Array.isArray(value);
  const entries = !array && typeof value === "object" && writeKindOf(value) !== undefined;
  if (typeof value === "object" && !entries && !array)
    return assertUserPropertyValues(value, where, what, replaced);
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
 * Whether mqtt.js sends `value` as the value of an MQTT 5 user property (a UTF-8 string pair, MQTT 5.0
 * §3.3.2.3.7): mqtt-packet 9 writes `value.toString()`, so a string as it is, a number, boolean or bigint
 * as its text (what the consumer reads: `3` arrives as `"3"`). `"throws"` for `undefined` and `null`
 * (mqtt-packet reads their `toString` and the publish fails: "Cannot read properties of undefined");
 * `"garbles"` for an object, a function or a symbol, of which it sends the `toString()` text
 * (`"[object Object]"`), not what the caller meant. `undefined` when it is sent.
 */
function userPropertyValueFault(value: unknown): "throws" | "garbles" | undefined {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return undefined;
    case "undefined":
      return "throws";
    case "object":
      return value === null ? "throws" : "garbles";
    default:
      return "garbles";
  }
}

/** What {@link assertUserPropertyValues} says of each fault: what mqtt.js does with the value. */
const USER_PROPERTY_FAULTS = {
  throws: "mqtt.js reads its toString() and the publish fails with a TypeError",
  garbles: 'mqtt.js sends the text of its toString(), "[object Object]" for a plain object',
} as const;

/**
 * The own properties of `properties` (user properties of no entries kind) checked one by one: each a
 * value mqtt.js sends ({@link userPropertyValueFault}), or an array of such values (one user property
 * each). `replaced`: propagation properties are skipped ({@link assertUserPropertiesShape}). A name or a
 * value that cannot be read (a throwing getter or proxy trap) is left for mqtt.js to meet.
 * @throws TypeError naming the first property mqtt.js cannot send, what it holds, and what to pass.
 */
function assertUserPropertyValues(properties: object, where: string, what: string, replaced: boolean): void {
  let held: string | undefined;
  let fault: "throws" | "garbles" | undefined;
  try {
    for (const name of Object.getOwnPropertyNames(properties)) {
      if (replaced && isStaleHeader(name, undefined)) continue;
      const value: unknown = (properties as Record<string, unknown>)[name];
      if (Array.isArray(value)) {
        const index = value.findIndex((item) => userPropertyValueFault(item) !== undefined);
        if (index < 0) continue;
        fault = userPropertyValueFault(value[index]);
        held = `${quoteWritten(name)} = an array holding ${describeValue(value[index])} at index ${index}`;
      } else {
        fault = userPropertyValueFault(value);
        if (fault === undefined) continue;
        held = `${quoteWritten(name)} = ${describeValue(value)}`;
      }
      break;
    }
  } catch {
    return; // a name or value that cannot be read: left for mqtt.js
  }
  if (fault === undefined || held === undefined) return;
  throw new TypeError(
    `tracehop ${where}: ${what} hold ${held}, which mqtt.js cannot send as an MQTT 5 user property ` +
      `(${USER_PROPERTY_FAULTS[fault]}): pass a string (a number or boolean is sent as its text), an array ` +
      "of them for a property repeated under one name, or leave the property out",
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
 *   length), or an object holding a user property whose value mqtt.js cannot send (`undefined`, `null`:
 *   the publish fails inside mqtt-packet; an object: it sends `"[object Object]"`; an array holding one
 *   of these) — a mistake in the calling code, said with the property's name and what to pass. A
 *   number, boolean or bigint is sent as its text (mqtt-packet writes `value.toString()`) and passes.
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
 *   Map, a header object, whose entries mqtt.js does not send, an array) or that hold a value mqtt.js
 *   cannot send (`undefined`, `null`, an object), said with the property's name; a propagation property
 *   the write replaces (`traceparent`, `baggage`, any case) is not checked: it never reaches mqtt.js.
 */
export function injectMqttUserProperties(
  userProperties?: MqttUserProperties | null,
  options: CaptureCarrierOptions = {},
): MqttUserProperties | undefined {
  assertUserPropertiesShape(userProperties, "injectMqttUserProperties", undefined, true);
  const carrier = checkedCapture(options, "injectMqttUserProperties");
  const written = writeFields(userProperties ?? {}, carrier, "injectMqttUserProperties");
  return sendsNoUserProperty(written) ? undefined : written;
}
