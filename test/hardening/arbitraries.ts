/**
 * fast-check arbitraries for the hardening tests: valid carriers as tracehop and Datadog write them,
 * the same carriers damaged, and hostile carriers (huge values, control characters, prototype keys,
 * non-string values, nested objects, Buffers with invalid UTF-8).
 */
import fc from "fast-check";

/** Every propagation header name tracehop reads or writes (W3C, Datadog, B3). */
export const HEADER_NAMES = [
  "traceparent",
  "tracestate",
  "baggage",
  "x-datadog-trace-id",
  "x-datadog-parent-id",
  "x-datadog-sampling-priority",
  "x-datadog-origin",
  "x-datadog-tags",
  "b3",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-parentspanid",
  "x-b3-sampled",
  "x-b3-flags",
] as const;

/** Keys that reach object prototypes when written carelessly. */
export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const decimal64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);

/** A valid traceparent (version 00, random ids and flags; all-zero ids are possible and invalid). */
export const traceparent = fc
  .tuple(hex(32), hex(16), hex(2))
  .map(([traceId, spanId, flags]) => `00-${traceId}-${spanId}-${flags}`);

/** tracestate members, a Datadog `dd=` member among them. */
export const tracestate = fc
  .array(
    fc.oneof(
      fc
        .tuple(fc.integer({ min: -1, max: 2 }), fc.constantFrom("synthetics", "rum", ""), hex(16))
        .map(([s, o, p]) => `dd=s:${s}${o ? `;o:${o}` : ""};p:${p};t.dm:-4`),
      fc
        .tuple(fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,8}$/), fc.stringMatching(/^[!-+--<>-~]{1,12}$/))
        .map(([k, v]) => `${k}=${v}`),
    ),
    { maxLength: 5 },
  )
  .map((members) => members.join(","));

/** A baggage header of token keys and percent-encodable values. */
export const baggage = fc
  .array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), fc.string({ maxLength: 12 })), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(","));

/** `x-datadog-tags`: mostly `_dd.p.*` tags, sometimes others. */
export const datadogTags = fc
  .array(
    fc.oneof(
      hex(16).map((tid) => `_dd.p.tid=${tid}`),
      fc.constantFrom("_dd.p.dm=-4", "_dd.p.dm=-0", "_dd.p.usr.id=baz64==", "_dd.p.upstream_services=x"),
      fc.stringMatching(/^[a-z._]{1,10}=[a-z0-9-]{0,6}$/),
    ),
    { maxLength: 4 },
  )
  .map((tags) => tags.join(","));

/** A carrier as tracehop and Datadog's tracers write it: any subset of the valid fields. */
export const validCarrier: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    traceparent,
    tracestate,
    baggage,
    "x-datadog-trace-id": decimal64,
    "x-datadog-parent-id": decimal64,
    "x-datadog-sampling-priority": fc.integer({ min: -1, max: 2 }).map(String),
    "x-datadog-origin": fc.constantFrom("synthetics", "rum", "synthetics-browser", "lambda"),
    "x-datadog-tags": datadogTags,
    b3: fc.tuple(hex(32), hex(16), fc.constantFrom("0", "1", "d")).map(([t, s, f]) => `${t}-${s}-${f}`),
    "x-b3-traceid": hex(32),
    "x-b3-spanid": hex(16),
    "x-b3-sampled": fc.constantFrom("0", "1"),
  },
  { requiredKeys: [] },
);

/** Text with control characters, separators and non-ASCII, to break parsers and header writers. */
export const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      "\u0000",
      "\n",
      "\r",
      "\t",
      "\u007f",
      ",",
      ";",
      "=",
      ":",
      "~",
      " ",
      "\u00e9",
      "\ud800",
      "-",
    ),
    maxLength: 40,
  }),
);

/** Bytes that are not valid UTF-8 (lone continuation bytes, overlong forms, truncated sequences). */
export const invalidUtf8 = fc
  .array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xe2, 0xf5, 0xff, 0x30, 0x2d), {
    minLength: 1,
    maxLength: 16,
  })
  .map((bytes) => Buffer.from(bytes));

/** Any value a hostile carrier may hold under a header name. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  traceparent.map((tp) => ` \t${tp.toUpperCase()}\t `),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  invalidUtf8,
  traceparent.map((tp) => Buffer.from(tp)),
  fc.array(fc.oneof(hostileText, traceparent), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.constant({ type: "Buffer", data: [0x30, 0x30, 0xff] }),
  fc.constant(Object.create(null) as object),
);

/** A key of a hostile carrier: header names in any case, prototype keys, random names. */
export const hostileKey = fc.oneof(
  fc.constantFrom(...HEADER_NAMES),
  fc.constantFrom(...HEADER_NAMES).map((name) => name.toUpperCase()),
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.string({ maxLength: 12 }),
);

/**
 * A hostile carrier: own properties only (`__proto__` included, set as an own property the way
 * `JSON.parse` does), any values.
 */
export const hostileCarrier: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(hostileKey, hostileValue), { maxLength: 12 })
  .map((entries) => {
    const carrier: Record<string, unknown> = {};
    for (const [key, value] of entries)
      Object.defineProperty(carrier, key, { value, enumerable: true, writable: true, configurable: true });
    return carrier;
  });

/** A valid carrier with some fields damaged (case, whitespace, control characters, types, arrays). */
export const damagedCarrier: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(validCarrier, fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), hostileValue), { maxLength: 3 }))
  .map(([carrier, damage]) => {
    const out: Record<string, unknown> = { ...carrier };
    for (const [key, value] of damage) out[key] = value;
    return out;
  });

/** Everything a carrier parameter may receive: carriers, their JSON text, bytes, and non-objects. */
export const anyCarrierInput: fc.Arbitrary<unknown> = fc.oneof(
  validCarrier,
  damagedCarrier,
  hostileCarrier,
  validCarrier.map((c) => JSON.stringify(c)),
  validCarrier.map((c) => Buffer.from(JSON.stringify(c))),
  validCarrier.map((c) => new Map(Object.entries(c))),
  fc.anything(),
);
