/**
 * A setter's variant for fields known to be header text: `createPropagator`'s composite writes its own
 * styles' fields through it, so that a setter that checks what any propagator writes (tracehop's
 * message header setters) does not look again at characters those styles never write outside header
 * text.
 */
import type { TextMapSetter } from "@opentelemetry/api";

/** Key of the variant a setter holds (a symbol: never a field a caller sees or sets by mistake). */
const HEADER_TEXT_SETTER = Symbol("tracehop.headerTextSetter");

/**
 * Internal: makes `variant` the setter {@link headerTextSetter} gives for `setter`: one that writes as
 * `setter` does, but may take each field's characters as header text (names 0x21-0x7E, values of
 * printable ASCII) without looking.
 */
export function holdHeaderTextSetter(setter: TextMapSetter, variant: TextMapSetter): void {
  Object.defineProperty(setter, HEADER_TEXT_SETTER, { value: variant });
}

/**
 * Internal: the setter `createPropagator`'s styles write through when given `setter`: its header-text
 * variant when it holds one ({@link holdHeaderTextSetter}), else `setter` itself. Those styles write
 * header text only — names of lower-case ASCII, values of printable ASCII by each header's grammar
 * (test/hardening `assertCleanCarrier`, over hostile contexts) — the trust `injectCarrier` gives them
 * too. Never throws (a setter that is no object, or a throwing proxy trap: `setter`).
 */
export function headerTextSetter(setter: TextMapSetter): TextMapSetter {
  try {
    const variant: unknown =
      typeof setter === "object" && setter !== null
        ? (setter as { [HEADER_TEXT_SETTER]?: unknown })[HEADER_TEXT_SETTER]
        : undefined;
    return typeof variant === "object" && variant !== null ? (variant as TextMapSetter) : setter;
  } catch {
    return setter;
  }
}
