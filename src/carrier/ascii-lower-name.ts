import { TRACEHOP_HEADER_NAMES } from "../propagation/header-names.js";

/**
 * The header names tracehop's own styles write (all lower-case ASCII already): recognised by one set
 * lookup instead of a scan on every carrier write and read. B3 names are not here: the B3 styles are
 * @opentelemetry/propagator-b3's; they take the general path.
 */
export const OWN_HEADER_NAMES: ReadonlySet<string> = new Set(TRACEHOP_HEADER_NAMES);

/** Internal: `name` lower-cased in ASCII only; `undefined` for an empty name or one with non-ASCII characters. */
export function asciiLowerName(name: string): string | undefined {
  if (OWN_HEADER_NAMES.has(name)) return name;
  if (name.length === 0) return undefined;
  let upper = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7e || c < 0x21) return undefined;
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  return upper ? name.toLowerCase() : name;
}
