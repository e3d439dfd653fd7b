/**
 * The warning of a carrier held in another field than `traceContext` (`TRACEHOP_CARRIER_IN_OTHER_FIELD`):
 * a row or message restored without a context whose carrier sits under another name.
 */
import { readKind } from "../carrier/header-object-kind.js";
import { escapeUnprintable } from "../describe-value.js";
import { warnIfPromiseCarrier } from "../carrier/promise-carrier.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";
import { countMiss, countWithin, hasWarned, markWarned, warnOnce } from "../warn-once.js";
import { CREATED_AT_FIELD, TRACE_CONTEXT_FIELD } from "./carrier-source.js";
import { holdsStoredCarrier, isPropertyRecord, MAX_FIELDS_LOOKED_AT, namesCarrier } from "./holds-carrier.js";

/**
 * Own keys never named as a carrier's field: no column is named so, an object has them only from
 * untrusted parsed JSON (`JSON.parse` keeps `"__proto__"` an own key), and the advice
 * `row.__proto__` / `row.constructor` reads the prototype or the class wherever the own key is lost
 * (a copy by `Object.assign`, an object literal): the warning would send the user to read it.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Why no carrier is read from a field named one of {@link PROTOTYPE_KEYS}, as the
 * `TRACEHOP_CARRIER_IN_OTHER_FIELD` warning and `tracehop inspect` say it.
 */
export const PROTOTYPE_KEYS_NEVER_READ =
  "no tracehop function reads a carrier from a field named __proto__, constructor or prototype, " +
  "the names JavaScript gives an object's prototype and class " +
  "(JSON.parse keeps such a key; a copy by Object.assign makes a __proto__ field the copy's prototype)";

/** Process warning code of {@link warnIfCarrierInOtherField}. */
export const CARRIER_IN_OTHER_FIELD_WARNING = "TRACEHOP_CARRIER_IN_OTHER_FIELD";

/**
 * The key marking {@link warnIfCarrierInOtherField} done for the process: {@link MAX_CARRIER_FIELD_WARNINGS}
 * warnings given, no scan after that. Also the group its warnings are counted in.
 */
const CARRIER_FIELD_WARNING_KEY = "carrier-field";

/**
 * Most `TRACEHOP_CARRIER_IN_OTHER_FIELD` warnings of {@link warnIfCarrierInOtherField} in a process:
 * each is said once per helper and field ({@link carrierFieldKey}), and field names come from the data
 * (a JSON column's keys), so a stream of rows each with a carrier under a new name would otherwise keep
 * a key, and print a line, per row. A program has a few such mistakes; past this many, the scans stop.
 */
const MAX_CARRIER_FIELD_WARNINGS = 16;

/**
 * The once-per-process key of one {@link warnIfCarrierInOtherField} warning: the helper, which argument
 * or picker the source came from ({@link CarrierPosition}), and the field's path from what the user
 * passed (`.properties.headers.traceContext`, `.carrier`; a long name as `[<its full name>]`, so the
 * key is bounded in length too).
 */
function carrierFieldKey(caller: CarrierCaller, position: CarrierPosition, path: string): string {
  return `carrier-field:${caller}:${String(position)}:${path}`;
}

/**
 * The tracehop helpers that run the caller's function in a span they start (and read a carrier the caller
 * hands them), as their warnings name them: this one and `TRACEHOP_NO_CONTEXT_MANAGER` (run-in-span.ts).
 */
export type CarrierCaller =
  | "withCarrier"
  | "traced"
  | "withBatch"
  | "withBatchItem"
  | "withSendSpan"
  | "withProcessSpan"
  | "withBatchProcessSpan";

/**
 * Where the source a carrier-in-another-field warning looks at came from, for the fix it gives: the
 * argument at this index of the `traced` function (from 0; for `withBatchProcessSpan`, 0 is a message
 * in which its default `headersFrom` found no headers), or {@link FROM_CARRIER_FROM}, what the
 * caller's own `carrierFrom` returned (`traced`, `withBatch`) or its own `headersFrom`
 * (`withBatchProcessSpan`), at no position tracehop knows.
 */
export type CarrierPosition = number | typeof FROM_CARRIER_FROM;
/** {@link CarrierPosition}: the source is what the user's `carrierFrom` (or `headersFrom`) returned. */
export const FROM_CARRIER_FROM = "carrierFrom";

/** What the warnings say of one {@link CarrierCaller}. */
interface CallerFacts {
  /** Its option that picks the carrier, as the warning names it ({@link FROM_CARRIER_FROM}): `carrierFrom` unless said here. */
  picker?: "headersFrom";
  /** It is handed headers, never read as a row (no `traceContext` field to speak of). */
  readsHeaders?: true;
  /**
   * What it was handed, as the Promise warning names it (`TRACEHOP_CARRIER_IS_PROMISE`); `position`:
   * the argument of a `traced` function.
   */
  handed: (position: number) => string;
  /** What held no context when it was handed one: `a carrier it was handed` unless said here. */
  handedHeldNone?: string;
  /**
   * What held no context when the source is the headers of a whole message it was handed
   * ({@link CarrierWithin}): `a carrier it was handed` unless said here.
   */
  headersHeldNone?: string;
  /**
   * The call that passes the field `access` (`.carrier`, `["x-y"]`) to it. With `createdAt` (how the fix
   * reads the capture time field of the object holding the carrier, when it has one: `.createdAt`,
   * `.job.createdAt`), the call passes that field on as the carrier's capture time where it takes one
   * (`capturedAt`; for `traced`, through `optionsFrom`), or the restore loses the row's age (relation
   * "auto", `tracehop.queue.wait`).
   */
  fix: (
    access: string,
    position: CarrierPosition,
    createdAt: string | undefined,
    name: string | undefined,
  ) => string;
}

/**
 * Where the source of a warning was in what the user passed, when the caller looked into the headers
 * it found in a whole message (`withProcessSpan(message, ...)` with an amqplib message: its
 * `.properties.headers`): the path from the message, prepended to the field the warning names and to
 * its fix, and the name the fix gives the message (`message`, `payload`), so that the fix reads as the
 * user writes it (`message.properties.headers.traceContext`).
 */
export interface CarrierWithin {
  path: string;
  name: string;
}

/**
 * Each caller's facts. `withBatch` takes one capture time for the batch: no per-row advice.
 * `withBatchProcessSpan` is warned of what its user's `headersFrom` returned ({@link FROM_CARRIER_FROM}),
 * which the fix extends, or of a message in which its default `headersFrom` found no headers (position
 * 0), for which the fix passes a `headersFrom` returning the field.
 */
const CALLERS: Record<CarrierCaller, CallerFacts> = {
  withCarrier: {
    handed: () => "the carrier handed to withCarrier",
    fix: (access, _, createdAt) => `withCarrier(row${access}, ...${capturedAtArgument(createdAt)})`,
  },
  traced: {
    handed: (position) => `argument ${position} of a traced function`,
    fix: (access, position, createdAt) => {
      // The row as the `position`-th argument: `([row])`, `([, row])`, `([, , row])`; a carrierFrom's
      // result is extended by the field, whatever that carrierFrom reads.
      const fromCarrierFrom = position === FROM_CARRIER_FROM;
      const args = fromCarrierFrom ? "(args)" : `([${", ".repeat(position)}row])`;
      const row = fromCarrierFrom ? "<what it returns now>" : "row";
      const options =
        createdAt === undefined ? "" : `, optionsFrom: ${args} => ({ capturedAt: ${row}${createdAt} })`;
      const call = `traced({ carrierFrom: ${args} => ${row}${access}${options} })`;
      return fromCarrierFrom ? `return it from your carrierFrom, ${call}` : call;
    },
  },
  withBatch: {
    handed: () => "a message handed to withBatch",
    fix: (access, position) =>
      position === FROM_CARRIER_FROM
        ? `return it from your carrierFrom, withBatch(rows, ..., { carrierFrom: (row) => <what it returns now>${access} })`
        : `withBatch(rows, ..., { carrierFrom: (row) => row${access} })`,
  },
  withBatchItem: {
    handed: () => "the carrier handed to withBatchItem",
    fix: (access, _, createdAt) => `withBatchItem(row${access}, ...${capturedAtArgument(createdAt)})`,
  },
  withSendSpan: {
    handed: () => "withSendSpan's creationContext",
    fix: (access, _, createdAt) =>
      `withSendSpan({ creationContext: row${access}, ` +
      (createdAt === undefined ? "" : `capturedAt: row${createdAt}, `) +
      "... })",
  },
  withProcessSpan: {
    readsHeaders: true,
    handed: () => "the headers handed to withProcessSpan",
    fix: (access, _, __, name = "message") => `withProcessSpan(${name}${access}, ...)`,
  },
  withBatchProcessSpan: {
    picker: "headersFrom",
    readsHeaders: true,
    handed: () => "a message handed to withBatchProcessSpan",
    handedHeldNone: "a message it was handed held no headers (the default headersFrom reads message.headers)",
    headersHeldNone: "a message it was handed held no trace context in its headers",
    fix: (access, position) =>
      position === FROM_CARRIER_FROM
        ? "return it from your headersFrom, " +
          `withBatchProcessSpan(messages, { ..., headersFrom: (message) => <what it returns now>${access} })`
        : `withBatchProcessSpan(messages, { ..., headersFrom: (message) => message${access} })`,
  },
};

/** The options argument `{ capturedAt: row<createdAt> }` of a fix, after its `...`; none without `createdAt`. */
function capturedAtArgument(createdAt: string | undefined): string {
  return createdAt === undefined ? "" : `, { capturedAt: row${createdAt} }`;
}

/**
 * Says so (`diag.warn` and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`, once per process for
 * each helper, argument and field: {@link carrierFieldKey}; at most {@link MAX_CARRIER_FIELD_WARNINGS}
 * in a process, then no scan) when `source` — what was handed to `withCarrier`, `traced`,
 * `withBatch`, as `withSendSpan`'s `creationContext` or as `withProcessSpan`'s headers, what
 * `withBatchProcessSpan`'s `headersFrom` returned or a message in which its default found no headers,
 * and yielded no context — is an object whose
 * `traceContext` field holds no carrier (it has none, or an own data field that is `null`,
 * `undefined` or anything else without a propagation field: what a row written without a carrier
 * holds) and that has no propagation header of its own, but one of its own fields
 * holds a carrier under another name: an object with a propagation field (`traceparent`,
 * `x-datadog-*`, `b3`, ...), its JSON text (or that text stringified once more), or the UTF-8 bytes of
 * either, judged from their start ({@link holdsStoredCarrier}: every shape `withCarrier` reads). That
 * is an outbox row whose carrier column is named otherwise (the Prisma extension's
 * `models: { Outbox: "carrier" }`, a table that kept both columns), restored as a new trace without a
 * word. Failing that, a carrier two levels down, under the `headers`, `traceContext` or
 * `userProperties` field of one of its object fields, or under any name in its own `traceContext`
 * object (`{ traceContext: { trace: {...} } }`: the carrier wrapped by its writer), is named by that path
 * (`{ payload: { headers } }`; a whole amqplib message, `properties.headers`, or kafkajs `eachMessage`
 * payload, `message.headers`; a row holding another row in `traceContext`; the `traceContext` of a
 * field only when `source` has none of its own, never a relation a row includes): how deep and how much is
 * looked at, and why, in {@link fieldHoldingCarrier}. (`withProcessSpan` and `withBatchProcessSpan`
 * first say the other client's whole message with the system to give, and then end their scan:
 * `endCarrierFieldScan`.) A `traceContext` that holds a carrier (a bad one) was the
 * right field: nothing is said; one that is a getter or inherited is not read again (the restore read
 * it once) and nothing is said either. Headers (`withProcessSpan`, `withBatchProcessSpan`) are never
 * read as a row: a carrier in their `traceContext` field (`{ traceContext: message.headers }`) is
 * said as one in any other field, its fix passing `.traceContext`. A `Map` (headers a framework copied
 * into one, of any realm), which the readers read through its entries, is looked at through its first
 * {@link MAX_FIELDS_LOOKED_AT} entries: one holding the whole carrier (a header `trace` whose value is
 * a carrier's JSON text, bytes or object) is said as its entry, the fix reading it with `.get("trace")`
 * ({@link entryHoldingCarrier}).
 * Called only when nothing was restored, never on the path of a row whose carrier is found; for each
 * caller, only until {@link MAX_SCANS_WITHOUT_CARRIER} calls have found nothing to say. Looks at
 * the first {@link MAX_FIELDS_LOOKED_AT} own fields and into a few of them. A field named `__proto__`,
 * `constructor` or `prototype` ({@link PROTOTYPE_KEYS}: the carrier reader never takes those for a
 * carrier, and an advice to pass it would read the prototype) is looked at last, by its own data value
 * only (parsed JSON keeps such a key), and its message says to store the carrier under another name
 * instead of giving a call. The message names `caller` and the call that
 * passes the field to it (`tracehop withCarrier: a carrier it was handed held no trace context ...`;
 * `position`: which argument of the `traced` function held `source`, from 0;
 * {@link FROM_CARRIER_FROM} when `source` is what the caller's own `carrierFrom` returned, or
 * `withBatchProcessSpan`'s `headersFrom`, which the message names and the fix then extends by the
 * field instead of naming an argument; for `withBatchProcessSpan`, 0 is a message without headers,
 * and the fix passes a `headersFrom` returning the field).
 * Never throws.
 */
export function warnIfCarrierInOtherField(
  source: unknown,
  caller: CarrierCaller,
  position: CarrierPosition = 0,
  within?: CarrierWithin,
): void {
  // Given up for this caller (MAX_SCANS_WITHOUT_CARRIER scans found nothing), or for the process
  // (MAX_CARRIER_FIELD_WARNINGS said): no scan after that (withProcessSpan calls this for every
  // untraced message, withCarrier for every row written without a carrier).
  const key = scanKey(caller);
  // A thenable: its await forgotten. Not a traced function's own argument, which may be a Promise or a
  // query builder on purpose (traced reads a carrier there only from an argument with a traceContext).
  if (
    source !== null &&
    typeof source === "object" &&
    (caller !== "traced" || position === FROM_CARRIER_FROM) &&
    warnIfPromiseCarrier(source, handedAs(caller, position), "the work started a new trace")
  )
    return;
  if (hasWarned(CARRIER_FIELD_WARNING_KEY) || hasWarned(key)) return;
  // A Map (headers a framework copied into one, of any realm) is looked into through its entries.
  const map = mapOf(source);
  if (map === undefined && !isPropertyRecord(source)) return;
  // A mistake said already (the same helper and field, on every message) is no miss: the scans go on
  // for this caller, so that another mistake of it later is said too.
  if (carrierInOtherFieldScan(source as Record<string, unknown>, caller, position, within, map) === "nothing")
    countMiss(key, MAX_SCANS_WITHOUT_CARRIER);
}

/**
 * What `caller` was handed that held no context, as a Promise warning names it (`TRACEHOP_CARRIER_IS_PROMISE`):
 * the argument or field, or what the user's picker returned ({@link FROM_CARRIER_FROM}).
 */
function handedAs(caller: CarrierCaller, position: CarrierPosition): string {
  const { picker = "carrierFrom", handed } = CALLERS[caller];
  return position === FROM_CARRIER_FROM ? `what ${caller}'s ${picker} returned` : handed(position);
}

/**
 * Scans of {@link warnIfCarrierInOtherField} for one caller that find nothing to say before it stops
 * scanning for that caller for good: the mistake it tells of (a carrier column of another name, the
 * headers wrapped in an object) is in the code, so it shows in the first rows or messages restored
 * without a context; a healthy table of untraced rows (a `traceContext` of `null` or `{}`) or a
 * consumer of untraced messages then costs nothing after these.
 */
const MAX_SCANS_WITHOUT_CARRIER = 64;

/**
 * Internal: marks the {@link warnIfCarrierInOtherField} warning of `caller` for the field at `path`
 * (`.properties.headers`) of its first argument as said: for a caller that has said where the carrier
 * of its input is in another way (`withProcessSpan` handed the other client's whole message names the
 * system to give, and its headers' path), so that the same mistake is not said twice. Another field
 * of that caller is still said.
 */
export function endCarrierFieldScan(caller: CarrierCaller, path: string): void {
  markWarned(carrierFieldKey(caller, 0, path));
}

/** The once-per-process key marking the scans of `caller` given up ({@link MAX_SCANS_WITHOUT_CARRIER}). */
function scanKey(caller: CarrierCaller): string {
  return `carrier-field-scan:${caller}`;
}

/**
 * The scan of {@link warnIfCarrierInOtherField}: `"said"` when it gave the warning, `"said before"`
 * when it found a carrier in a field whose warning was given already for this caller
 * ({@link carrierFieldKey}), `"nothing"` when it found none. `map`: `source` as a Map of this realm
 * (`mapOf`), whose entries are looked at instead of its fields ({@link entryHoldingCarrier}), and which
 * the warning calls entries. Past {@link MAX_CARRIER_FIELD_WARNINGS} warnings it ends every scan of the
 * process. Never throws.
 */
function carrierInOtherFieldScan(
  source: Record<string, unknown>,
  caller: CarrierCaller,
  position: CarrierPosition,
  within: CarrierWithin | undefined,
  map: Map<unknown, unknown> | undefined,
): "said" | "said before" | "nothing" {
  try {
    // Headers are never read as a row: their traceContext field is one more field that was not read.
    const headers = CALLERS[caller].readsHeaders === true;
    // A Map is read as a carrier through its entries, never as a row: it has no traceContext field.
    const isMapSource = map !== undefined;
    const traceContext = headers || isMapSource ? "absent" : traceContextField(source);
    if (traceContext === "holds a carrier") return "nothing";
    const found = isMapSource ? entryHoldingCarrier(map) : fieldHoldingCarrier(source, headers);
    if (found === null || found === undefined) return "nothing";
    // From what the user passed: a whole message's headers are at `within.path` in it.
    const path = within?.path ?? "";
    const key = carrierFieldKey(caller, position, path + found.access);
    if (hasWarned(key)) return "said before";
    // The last warning the cap allows: no scan after this one.
    if (!countWithin(CARRIER_FIELD_WARNING_KEY, MAX_CARRIER_FIELD_WARNINGS - 1))
      markWarned(CARRIER_FIELD_WARNING_KEY);
    const held =
      within !== undefined && CALLERS[caller].headersHeldNone !== undefined
        ? CALLERS[caller].headersHeldNone
        : whatHeldNone(caller, position, headers || isMapSource ? undefined : traceContext);
    // The names come from the source (a received message's header names: a producer's choice): every
    // character outside printable ASCII escaped, in the name quoted and in the fix (still code to copy),
    // as quoteWritten shows a name, never a bidirectional override or line break written as is.
    const quoted = escapeUnprintable(JSON.stringify(path.slice(1) + (path === "" ? "" : ".") + found.shown));
    // A prototype's name: no call reads it, so the fix is to store the carrier under another name.
    if (found.prototypeKey) {
      warnOnce(
        key,
        `tracehop ${caller}: ${held}, but its own field ${quoted} holds a trace carrier, which was not read: ` +
          `${PROTOTYPE_KEYS_NEVER_READ}. Store the carrier under ${TRACE_CONTEXT_FIELD} (or a field of another name).`,
        CARRIER_IN_OTHER_FIELD_WARNING,
      );
      return "said";
    }
    const fix = escapeUnprintable(
      CALLERS[caller].fix(path + found.access, position, found.createdAt, within?.name),
    );
    // Within a whole message, the fix names the path from it (`message.properties.headers.traceContext`):
    // the field is not quoted as well, so that each header name is said once.
    // A Map's entry is called so: the fix reads it with `.get(name)`.
    const part = isMapSource ? "entry" : "field";
    const field =
      within !== undefined
        ? `${isMapSource ? "an entry" : "a field"} of its headers`
        : `its ${part} ${quoted}`;
    warnOnce(
      key,
      `tracehop ${caller}: ${held}, but ${field} ` +
        `holds a trace carrier, which was not read: the stored context was not ` +
        `restored. Pass that ${part}: ${fix}.`,
      CARRIER_IN_OTHER_FIELD_WARNING,
    );
    return "said";
  } catch {
    return "nothing"; // a throwing getter or proxy trap of the source itself: nothing to say
  }
}

/**
 * What the warning says held no context: a carrier the caller's own picker returned or it was handed
 * (with what its `traceContext` field held, for a row: `traceContext`, undefined for headers), or a
 * message of `withBatchProcessSpan` in which its default `headersFrom` found no headers.
 */
function whatHeldNone(
  caller: CarrierCaller,
  position: CarrierPosition,
  traceContext: "holds none" | "absent" | undefined,
): string {
  const { picker = "carrierFrom", handedHeldNone } = CALLERS[caller];
  if (position !== FROM_CARRIER_FROM && handedHeldNone !== undefined) return handedHeldNone;
  return (
    "a carrier " +
    (position === FROM_CARRIER_FROM ? `its ${picker} returned` : "it was handed") +
    " held no trace context" +
    (traceContext === undefined
      ? ""
      : traceContext === "holds none"
        ? ` and its ${TRACE_CONTEXT_FIELD} field holds none`
        : ` and has no ${TRACE_CONTEXT_FIELD} field`)
  );
}

/**
 * What the `traceContext` field of `source` says: it holds a carrier, only a bad one (the right field:
 * nothing to say); it holds none (`null`, `undefined`: a row written without a carrier, looked past as
 * a missing one); or it is absent. An accessor or an inherited field is not read again (a getter with
 * side effects: the restore read it once already) and counts as holding one. May throw (a hostile
 * object).
 */
function traceContextField(source: Record<string, unknown>): "holds a carrier" | "holds none" | "absent" {
  if (!(TRACE_CONTEXT_FIELD in source)) return "absent";
  const own = Object.getOwnPropertyDescriptor(source, TRACE_CONTEXT_FIELD);
  return own === undefined || !("value" in own) || namesCarrier(own.value) ? "holds a carrier" : "holds none";
}

/**
 * `source` as a `Map` (of any realm: `readKind`), for a scan of its entries; `undefined` for anything
 * else. A Map of another realm is copied into one of this realm (its entries, in order), which the
 * scan reads as `instanceof Map`. Never throws (a throwing proxy trap or iterator: `undefined`).
 */
function mapOf(source: unknown): Map<unknown, unknown> | undefined {
  if (source === null || typeof source !== "object") return undefined;
  try {
    if (readKind(source) !== "map") return undefined;
    return source instanceof Map ? source : new Map(source as Map<unknown, unknown>);
  } catch {
    return undefined;
  }
}

/**
 * {@link fieldHoldingCarrier} for headers kept in a `Map` (a framework's copy of amqplib's
 * `msg.properties.headers` or of kafkajs' `message.headers`), which the readers read through its
 * entries: the first of its first {@link MAX_FIELDS_LOOKED_AT} entries whose key is a string and whose
 * value holds a stored carrier ({@link holdsStoredCarrier}: a JSON carrier text or bytes, an object, in
 * one header such as `trace`), as the fix reads it (`.get("trace")`); one level only (an entry's
 * value is not looked into further). `null` when one of those keys is a propagation header (the Map is
 * a carrier itself, only a bad one); `undefined` when none holds one. An entry whose value throws when
 * judged is skipped alone. Throws what the Map's iterator throws (the caller's `try`).
 */
function entryHoldingCarrier(map: Map<unknown, unknown>): FoundField | null | undefined {
  let seen = 0;
  let found: string | undefined;
  for (const [key, value] of map) {
    if (++seen > MAX_FIELDS_LOOKED_AT) break;
    if (typeof key !== "string") continue;
    if (isPropagationHeaderName(key.toLowerCase())) return null;
    if (found !== undefined) continue;
    try {
      if (holdsStoredCarrier(value)) found = key;
    } catch {
      // A throwing getter or proxy trap in the value: this entry alone is skipped.
    }
  }
  if (found === undefined) return undefined;
  const long = found.length > MAX_QUOTED_NAME_LENGTH;
  return {
    shown: long ? `${found.slice(0, MAX_QUOTED_NAME_LENGTH)}…` : found,
    access: `.get(${long ? "<its full name>" : JSON.stringify(found)})`,
    createdAt: undefined,
  };
}

/**
 * Where in `source` a stored carrier is ({@link holdsStoredCarrier}), one or two levels down:
 *
 * 1. the first of the first {@link MAX_FIELDS_LOOKED_AT} own fields of `source` that holds one, never
 *    one of {@link PROTOTYPE_KEYS}, nor `traceContext` of a row (the restore read it); `traceContext` of
 *    headers (`headers`: `withProcessSpan`, `withBatchProcessSpan`, which never read that field) is
 *    looked at as any other;
 * 2. failing that ({@link nestedField}), the first of the fields {@link NESTED_CARRIER_FIELDS} (`headers`, `traceContext`,
 *    `userProperties`) of the first {@link MAX_FIELDS_LOOKED_INTO} of those fields that are objects
 *    (`isPropertyRecord`: no array, bytes, Map or header object) that holds one: `{ payload: { headers } }`,
 *    `{ traceContext: { headers } }` handed to `withProcessSpan`, a whole amqplib message
 *    (`properties.headers`), kafkajs `eachMessage` payload (`message.headers`) or mqtt.js packet
 *    (`properties.userProperties`), a row holding another row in `traceContext`, a wrapper of one's own
 *    around a row (`{ job: row }`). The `traceContext` of a field other than `traceContext` is looked
 *    at only when `source` has no `traceContext` field of its own: a source that has one is a row, and
 *    a row's object field holding a `traceContext` is another row it includes (a Prisma `include` of a
 *    traced relation: `order.customer`), whose carrier is that row's own, not the one this row lacks
 *    (passing it would parent this row's work under the customer's trace). In the source's own
 *    `traceContext` object, the carrier field itself, a carrier under any other name is found too, among
 *    its first {@link MAX_FIELDS_LOOKED_AT} fields ({@link wrappedCarrierField}: its keys, which the
 *    restore listed already, are listed once more).
 *
 * The capture time the fix passes on ({@link FoundField}): at the first level and under `headers` or
 * `userProperties` (the headers of a message or an envelope written with the row), the `createdAt` of
 * `source`; under `traceContext`, the `createdAt` of the object holding that field (the inner row's own
 * time, never the wrapper's), none when it has none.
 *
 * Why two levels and not more: a carrier misplaced by one wrapper too many (an object of one's own
 * around the headers, a whole message handed in place of its headers, the row handed in place of its
 * column) sits one level down, by two wrappers (the headers of a wrapped message) two; deeper is a
 * document the code walks on purpose, not the mistake this warning tells of. Why by name at the second
 * level: listing an object's fields takes time linear in its size (a JSON column of 100 000 keys
 * takes milliseconds), and the first level lists `source` already; the names are those a carrier is
 * kept under (tracehop's column, the clients' header slots). So the cost stays bounded whatever the
 * input: `source`'s keys listed once, at most {@link MAX_FIELDS_LOOKED_AT} values judged at the first
 * level and 3 × {@link MAX_FIELDS_LOOKED_INTO} at the second, and no cycle followed (two levels, never
 * further). What is read, and so which getters and proxy traps run: at the first level, each field as
 * `source[name]` (a getter of `source` is called; a row's `traceContext` alone is read by its data
 * descriptor, never called again), and of each value that is an object, `Symbol.iterator` and `get`
 * (`isPropertyRecord`, `headerObjectKind`: property reads, inherited ones included, so a getter or a
 * proxy's `get` trap there runs) and its propagation fields by name, own ones only (`Object.hasOwn`,
 * then read); at the second level, each of the three names by its own data descriptor only (no getter
 * called, nothing inherited), and of what it holds the same as of a first-level value. A field whose
 * reading throws (a throwing getter or proxy trap) is skipped alone: the fields after it are still
 * looked at. A carrier under another name two levels down (`{ data: { carrier } }`), three levels
 * down, in an array, behind a getter two levels down or past those bounds is not seen.
 *
 * `undefined` when none is found; `null` when one of the first fields of `source` is a propagation
 * header (`source` is a carrier itself, only a bad one). May throw (a hostile `source`: its keys, or
 * its `createdAt` or `traceContext` asked of it).
 */
function fieldHoldingCarrier(
  source: Record<string, unknown>,
  headers: boolean,
): FoundField | null | undefined {
  const names = Object.keys(source);
  const count = Math.min(names.length, MAX_FIELDS_LOOKED_AT);
  let field: string | undefined;
  // A prototype's name holding a carrier as its own data field (parsed JSON): said if nothing else is found.
  let prototypeField: string | undefined;
  // The object fields to look into at the second level, in order: [name, value].
  const objects: [string, Record<string, unknown>][] = [];
  for (let i = 0; i < count; i++) {
    const name = names[i]!;
    if (isPropagationHeaderName(name.toLowerCase())) return null;
    if (field !== undefined) continue;
    if (PROTOTYPE_KEYS.has(name)) {
      try {
        if (prototypeField === undefined && holdsStoredCarrier(ownDataValue(source, name)))
          prototypeField = name;
      } catch {
        // A throwing proxy trap: this field alone is skipped.
      }
      continue;
    }
    // A row's traceContext, which the restore read: its data value only, looked into, never judged again.
    const judged = headers || name !== TRACE_CONTEXT_FIELD;
    try {
      const value = judged ? source[name] : ownDataValue(source, name);
      if (judged && holdsStoredCarrier(value)) field = name;
      else if (objects.length < MAX_FIELDS_LOOKED_INTO && isPropertyRecord(value))
        objects.push([name, value]);
    } catch {
      // A throwing getter or proxy trap: this field alone is skipped.
    }
  }
  const createdAt = Object.hasOwn(source, CREATED_AT_FIELD) ? `.${CREATED_AT_FIELD}` : undefined;
  if (field !== undefined) return foundField(field, undefined, createdAt);
  const nested = nestedField(objects, Object.hasOwn(source, TRACE_CONTEXT_FIELD), createdAt);
  if (nested !== undefined || prototypeField === undefined) return nested;
  return { ...foundField(prototypeField, undefined, undefined), prototypeKey: true };
}

/**
 * The second level of {@link fieldHoldingCarrier}: the first of {@link NESTED_CARRIER_FIELDS}, read as
 * own data fields, of the first of `objects` (`[name, value]` of the source's object fields) that holds
 * a carrier. `isRow`: the source has a `traceContext` of its own, so the `traceContext` of another
 * field is a row it includes, whose carrier is that row's own. `createdAt`: the source's capture time
 * field, passed on for a carrier under `headers` or `userProperties`; under `traceContext`, the inner
 * row's own, if any. An object whose reading throws is skipped alone.
 */
function nestedField(
  objects: readonly [string, Record<string, unknown>][],
  isRow: boolean,
  createdAt: string | undefined,
): FoundField | undefined {
  for (const [outer, value] of objects)
    try {
      for (const inner of NESTED_CARRIER_FIELDS) {
        const rowInRow = inner === TRACE_CONTEXT_FIELD;
        if (rowInRow && isRow && outer !== TRACE_CONTEXT_FIELD) continue;
        if (!holdsStoredCarrier(ownDataValue(value, inner))) continue;
        if (!rowInRow) return foundField(outer, inner, createdAt);
        const own = Object.hasOwn(value, CREATED_AT_FIELD);
        return foundField(outer, inner, own ? `${nameAccess(outer)}.${CREATED_AT_FIELD}` : undefined);
      }
      // The carrier field itself: a carrier one level inside it, under any name, is the row's own
      // carrier wrapped by its writer (`{"trace": {"x-datadog-trace-id": ...}}`).
      if (outer === TRACE_CONTEXT_FIELD) {
        const inner = wrappedCarrierField(value);
        if (inner !== undefined) return foundField(outer, inner, createdAt);
      }
    } catch {
      // A throwing getter or proxy trap: this object alone is skipped.
    }
  return undefined;
}

/**
 * The first of the first {@link MAX_FIELDS_LOOKED_AT} own data fields of `carrierField`, a source's
 * `traceContext` object that held no carrier, that holds one ({@link holdsStoredCarrier}), under any
 * name but {@link NESTED_CARRIER_FIELDS} (looked at before) and {@link PROTOTYPE_KEYS}: a carrier its
 * writer kept under a key of its own in the carrier column (`{"trace": {...}}`, `{"datadog": "{...}"}`,
 * a dd-trace-ot `TEXT_MAP` nested in a JSON document). Listing its keys costs what the restore that
 * found no context in it paid already (the carrier reader lists a carrier's keys:
 * `normalizeCarrier`), once more. `undefined` when none does. May throw (a hostile object).
 */
function wrappedCarrierField(carrierField: Record<string, unknown>): string | undefined {
  const names = Object.keys(carrierField);
  const count = Math.min(names.length, MAX_FIELDS_LOOKED_AT);
  for (let i = 0; i < count; i++) {
    const name = names[i]!;
    if (PROTOTYPE_KEYS.has(name) || (NESTED_CARRIER_FIELDS as readonly string[]).includes(name)) continue;
    try {
      if (holdsStoredCarrier(ownDataValue(carrierField, name))) return name;
    } catch {
      // A throwing proxy trap: this field alone is skipped.
    }
  }
  return undefined;
}

/**
 * The fields looked up by name in the object fields of a source ({@link fieldHoldingCarrier}, second
 * level): tracehop's own carrier field (a row's `traceContext`), and the header slots of the clients
 * whose whole messages tracehop reads (`headers`: amqplib's `properties.headers`, kafkajs, nats.js, any
 * object of one's own around headers; `userProperties`: mqtt.js's `properties.userProperties`).
 */
const NESTED_CARRIER_FIELDS = [TRACE_CONTEXT_FIELD, "headers", "userProperties"] as const;

/**
 * Object fields of a source looked into at the second level ({@link fieldHoldingCarrier}): a row or a
 * message has a few (an envelope, a payload, a message's `properties` and `fields`). Internal:
 * `tracehop inspect` looks into as many fields of a row for a carrier two levels down.
 */
export const MAX_FIELDS_LOOKED_INTO = 16;

/**
 * The value of the own data field `name` of `record`; `undefined` for an accessor (never called) or
 * a field it does not have (nothing inherited). May throw (a hostile proxy).
 */
function ownDataValue(record: Record<string, unknown>, name: string): unknown {
  const own = Object.getOwnPropertyDescriptor(record, name);
  return own !== undefined && "value" in own ? own.value : undefined;
}

/**
 * Where the warning found the carrier: the field as the message shows it (`carrier`, which it quotes
 * after the path of a {@link CarrierWithin}), as the fix
 * reads it (`.carrier`, `["x-y"]`), and how the fix reads the capture time to pass on with it
 * (`.createdAt`, `.job.createdAt`), if any.
 */
interface FoundField {
  shown: string;
  access: string;
  createdAt: string | undefined;
  /** The field is one of {@link PROTOTYPE_KEYS}, which no call reads: the warning says to rename it. */
  prototypeKey?: true;
}

/**
 * Most characters of a field name the warning quotes: MySQL's longest identifier (64; PostgreSQL's is
 * 63 bytes), so that every column is quoted whole. A longer name (a key of parsed JSON) is shown by its
 * first 64 characters and `…`, and the fix reads it `[<its full name>]`: no code, so that a pasted fix
 * fails to compile rather than read another field, and the warning stays short whatever the name.
 */
const MAX_QUOTED_NAME_LENGTH = 64;

/** How a fix reads the field `name`: `.name`, `["x-y"]`, or `[<its full name>]` ({@link MAX_QUOTED_NAME_LENGTH}). */
function nameAccess(name: string): string {
  return name.length > MAX_QUOTED_NAME_LENGTH ? "[<its full name>]" : propertyAccess(name);
}

/**
 * Internal: how JavaScript code reads the field `name` of an object: `.name` for an identifier (ASCII
 * letters, digits, `_` and `$`, not starting with a digit), else `["x-y"]` (the name as a JSON string).
 * The fixes of this warning and of `tracehop inspect` write it.
 */
export function propertyAccess(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/**
 * The {@link FoundField} of the field `outer` of a source, or of its field `inner` (`"payload.headers"`,
 * `.payload.headers`; `"traceContext.dd-context"`, `.traceContext["dd-context"]`), with `createdAt`, how
 * the fix reads the capture time to pass on. A name longer than {@link MAX_QUOTED_NAME_LENGTH} is shown
 * by its start and `…`.
 */
function foundField(outer: string, inner: string | undefined, createdAt: string | undefined): FoundField {
  const shownName = (name: string) =>
    name.length > MAX_QUOTED_NAME_LENGTH ? `${name.slice(0, MAX_QUOTED_NAME_LENGTH)}…` : name;
  return {
    shown: shownName(outer) + (inner === undefined ? "" : `.${shownName(inner)}`),
    access: nameAccess(outer) + (inner === undefined ? "" : nameAccess(inner)),
    createdAt,
  };
}
