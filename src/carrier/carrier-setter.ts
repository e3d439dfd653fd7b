import type { TextMapSetter } from "@opentelemetry/api";
import { asciiLowerName } from "./ascii-lower-name.js";
import { warnDroppedField } from "./header-text-fields.js";
import type { TraceCarrier } from "./trace-carrier.js";

/**
 * Setter that writes into a {@link TraceCarrier}: names in ASCII lower case, values as strings
 * (writing always produces lower-case names and string values). A later write to the same name
 * replaces the earlier one, so a carrier never holds two traceparent values. Never throws: a value
 * that cannot be made a string (its `toString` throws) is left out with the header-text warning
 * (`FIELD_NOT_HEADER_TEXT_WARNING`, header-text-fields.ts), and the carrier keeps every other field.
 */
export const traceCarrierSetter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    let name: string | undefined;
    let text: string;
    try {
      name = asciiLowerName(key) ?? key.toLowerCase();
      text = typeof value === "string" ? value : String(value);
    } catch {
      // A value whose toString throws (or a key that is no string), from a third-party propagator:
      // this field alone is left out, with the header-text warning; the fields written before and
      // after it stay (a throw here would end the propagator's inject and lose the whole carrier).
      warnDroppedField(typeof name === "string" ? name : safeName(key), value);
      return;
    }
    if (name === "__proto__") {
      // An own property, never the object's prototype.
      Object.defineProperty(carrier, name, {
        value: text,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      carrier[name] = text;
    }
  },
};

/** A key given to the setter, as text for a warning; never throws. */
function safeName(key: unknown): string {
  try {
    return typeof key === "string" ? key : String(key);
  } catch {
    return "";
  }
}
