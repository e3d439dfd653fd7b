import { MAX_FIELD_VALUES } from "../propagation/header-text.js";

/**
 * A trace carrier at rest: lower-case propagation header name -> string value, exactly what would
 * travel as HTTP headers. Stored in a JSON column or sent as message headers. A Prisma `Json` column
 * takes it as it is (it is a Prisma `InputJsonValue`), and a legacy dd-trace-ot row's flat
 * `x-datadog-*` fields (decimal ids as text) are one. The readers (`contextFromCarrier`, `withCarrier`)
 * take what a row holds as it is read (a Prisma `JsonValue`, or the row itself): no cast to restore;
 * a `JsonValue` is no `TraceCarrier` unchecked, since it may be any JSON.
 */
export type TraceCarrier = Record<string, string>;

/**
 * Longest value read from a stored carrier, in UTF-16 code units (strings) or bytes (binary); longer
 * values are ignored.
 */
export const MAX_CARRIER_VALUE_LENGTH = 16 * 1024;
/**
 * Most keys scanned in one stored carrier; later keys are ignored, except the fields a propagator asks
 * for by name, which are looked up wherever they sit (see `normalizeCarrier`, normalize-carrier.ts).
 */
export const MAX_CARRIER_KEYS = 128;
/**
 * Most values kept for one header name (repeated fields, several spellings of the name); later ones are
 * ignored. The propagators read as many of a repeated field through any getter (`MAX_FIELD_VALUES`,
 * propagation/header-text.ts), so a carrier reads the same from a row as from HTTP headers.
 */
export const MAX_CARRIER_FIELD_VALUES = MAX_FIELD_VALUES;
/**
 * Longest carrier given as JSON text (or as the bytes of JSON text), in UTF-16 code units or bytes;
 * longer is ignored.
 */
export const MAX_CARRIER_TEXT_LENGTH = 256 * 1024;
