/**
 * fast-check arbitraries for the hardening tests: valid carriers as tracehop and Datadog write them,
 * odd spellings of them (names in any case, values as arrays, Buffers, numbers; Datadog ids, tids,
 * priorities, origins and tags at their edges; traceparent, tracestate and baggage as senders may
 * write them, valid or not), the same carriers damaged, and hostile carriers (huge values, control
 * characters, prototype keys, non-string values, nested objects, Buffers with invalid UTF-8).
 */
import {
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  type BaggageEntry,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  type TraceState,
} from "@opentelemetry/api";
import { TraceState as CoreTraceState } from "@opentelemetry/core";
import fc from "fast-check";
import { setDatadogContext, W3CTraceState, type DatadogContext } from "../../src/index.js";
import { bindDatadogContext } from "../../src/propagation/datadog/datadog-context.js";

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
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
/** An unsigned 64-bit integer in canonical decimal, 0 included: a Datadog id as its tracers write it. */
const decimal64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);

/** A valid traceparent (version 00, random ids and flags; all-zero ids are possible and invalid). */
const traceparent = fc
  .tuple(hex(32), hex(16), hex(2))
  .map(([traceId, spanId, flags]) => `00-${traceId}-${spanId}-${flags}`);

/** A valid tracestate list-member of another vendor: a simple key, a value of printable ASCII. */
const vendorMember = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,8}$/), fc.stringMatching(/^[!-+--<>-~]{1,12}$/))
  .map(([k, v]) => `${k}=${v}`);

/** A valid Datadog `dd=` tracestate member: priority, origin, last parent id, decision maker. */
const ddMember = fc
  .tuple(fc.integer({ min: -1, max: 2 }), fc.constantFrom("synthetics", "rum", ""), hex(16))
  .map(([s, o, p]) => `dd=s:${s}${o ? `;o:${o}` : ""};p:${p};t.dm:-4`);

/** tracestate members, a Datadog `dd=` member among them. */
const tracestate = fc
  .array(fc.oneof(ddMember, vendorMember), { maxLength: 5 })
  .map((members) => members.join(","));

/** A baggage header of token keys and percent-encodable values. */
const baggage = fc
  .array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), fc.string({ maxLength: 12 })), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(","));

/**
 * `x-datadog-tags`: mostly `_dd.p.*` tags, sometimes others; every value non-empty (an empty one is
 * malformed and drops the whole header, dd-trace-java `DatadogPTagsCodec`: oddDatadogTags has those).
 */
const datadogTags = fc
  .array(
    fc.oneof(
      hex(16).map((tid) => `_dd.p.tid=${tid}`),
      fc.constantFrom("_dd.p.dm=-4", "_dd.p.dm=-0", "_dd.p.usr.id=baz64==", "_dd.p.upstream_services=x"),
      fc.stringMatching(/^[a-z._]{1,10}=[a-z0-9-]{1,6}$/),
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

/**
 * The integer in environment variable `name`, or `undefined` when it is unset or blank (`FC_SEED= npm
 * test` runs as `npm test` does). Any other text, or an integer below `min` or not a safe integer, is
 * an Error naming the variable: a mistyped long hunt must not quietly run with the defaults.
 */
function integerFromEnv(name: string, min: number, expected: string): number | undefined {
  const text = process.env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!/^[+-]?[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < min)
    throw new Error(
      `${name}=${JSON.stringify(process.env[name])}: expected ${expected}; unset it (or leave it empty) for the defaults`,
    );
  return value;
}

/**
 * Runs for a property: `FC_NUM_RUNS` (a positive integer) replaces every default for long local hunts
 * (`FC_NUM_RUNS=100000 FC_SEED=7 node --import tsx --test test/hardening/properties.test.ts`); `npm test`
 * uses the defaults. Throws when `FC_NUM_RUNS` is set to anything but a positive integer.
 */
export function numRuns(fallback: number): number {
  return integerFromEnv("FC_NUM_RUNS", 1, "a positive integer (runs per property)") ?? fallback;
}

/**
 * fast-check parameters of a property: {@link numRuns}, and `FC_SEED` (an integer, as fast-check prints
 * a failing run's seed) when set and not blank. Throws when `FC_SEED` is not an integer.
 */
export function runParameters(fallback: number): { numRuns: number; seed?: number } {
  const seed = integerFromEnv("FC_SEED", Number.MIN_SAFE_INTEGER, "a safe integer (a fast-check seed)");
  return seed === undefined ? { numRuns: numRuns(fallback) } : { numRuns: numRuns(fallback), seed };
}

// ---------------------------------------------------------------------------------------------------
// Odd but valid (and odd and invalid) spellings: inputs the arbitraries above rarely or never produce.
// ---------------------------------------------------------------------------------------------------

/** `name` with each ASCII letter in either case (`X-Datadog-Trace-Id`, `TRACEPARENT`, `bAggage`). */
export const anyCase = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(name),
    fc.constant(name.toUpperCase()),
    fc.constant(name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())),
    fc.mixedCase(fc.constant(name)),
  );

/** Decimal digits, `min` to `max` of them. */
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });

/** Unsigned 64-bit values at the edges JavaScript numbers and 64-bit integers break at. */
const EDGE_IDS = [
  1n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 63n + 1n,
  2n ** 64n - 2n,
  2n ** 64n - 1n,
];

/**
 * A Datadog decimal id as a carrier may hold it: valid ids at the 2^32/2^53/2^63/2^64 edges, with
 * leading zeros (up to 20 digits in all, or more), and invalid texts (2^64 and beyond, a sign, spaces,
 * `0`, empty, long digit runs, hex, a fraction, an exponent, non-ASCII digits).
 */
export const oddDatadogId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_IDS).map(String),
  decimal64,
  fc
    .tuple(fc.constantFrom(...EDGE_IDS, 0n, 7n), fc.nat(25))
    .map(([id, zeros]) => "0".repeat(zeros) + String(id)),
  fc.constantFrom(2n ** 64n, 2n ** 64n + 1n, 10n ** 20n, 2n ** 65n, 99999999999999999999n).map(String),
  fc.constantFrom(
    "+1",
    "-1",
    " 1",
    "1 ",
    "\t1",
    "0",
    "00",
    "-0",
    "",
    " ",
    "1e3",
    "1.0",
    "0x10",
    "1_000",
    "1,2",
    "١٢٣",
    "１２",
    "18446744073709551615 ",
    "018446744073709551615",
  ),
  digits(21, 400),
  fc
    .tuple(
      fc.constantFrom("+", "-", " ", "\t", ""),
      fc.bigInt({ min: 0n, max: 2n ** 64n }),
      fc.constantFrom("", " ", "\t", "a", "\n"),
    )
    .map(([before, id, after]) => `${before}${id}${after}`),
);

/** `_dd.p.tid` values: valid lower-case hex, upper or mixed case, wrong lengths, all zeros, non-hex. */
const oddTid: fc.Arbitrary<string> = fc.oneof(
  hex(16),
  hex(16).map((h) => h.toUpperCase()),
  fc.mixedCase(hex(16)),
  fc.constantFrom("0000000000000000", "00000000", "0", "", " 640cfd8d00000000", "640cfd8d00000000 "),
  fc.integer({ min: 0, max: 40 }).chain((n) => hex(n)),
  fc.stringMatching(/^[0-9a-gxA-Z]{16}$/),
);

/** `x-datadog-sampling-priority`: integers, and what only looks like one. */
export const oddPriority: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map(String),
  fc.constantFrom(
    "-0",
    "+0",
    "1.0",
    "01",
    "+1",
    "00",
    " 1",
    "1 ",
    "",
    "1e0",
    "0x1",
    "2147483648",
    "-2147483649",
    "9007199254740991",
    "9007199254740993",
    "99999999999999999999999",
    "Infinity",
    "NaN",
    "١",
  ),
  digits(1, 40),
  fc.integer().map(String),
);

/** Text with whatever a header value can hold and should not (OWS, separators, non-ASCII, controls). */
const oddText = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({
      unit: fc.constantFrom(
        " ",
        ",",
        "=",
        ";",
        ":",
        "~",
        "a",
        "z",
        "0",
        "-",
        "_",
        ".",
        "é",
        "\t",
        "\u0000",
        "\u007f",
        "\ud83d\ude00",
        "\ud800",
        "%",
      ),
      maxLength,
    }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
  );

/** `x-datadog-origin`: products' origins, and spaces, commas, `=`, `~`, non-ASCII, control characters. */
const oddOrigin: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("synthetics", "rum", "synthetics-browser", "lambda", "ciapp-test"),
  fc.constantFrom(
    "",
    " ",
    "syn thetics",
    " rum",
    "rum ",
    "a,b",
    "a=b",
    "a~b",
    "a;b",
    "a:b",
    "é",
    "rum\t",
    "rum\u0000",
    "\u007f",
  ),
  oddText(20),
  fc.string({ unit: fc.constantFrom(..."abc =~,;:-_."), minLength: 1, maxLength: 300 }),
);

/** One `x-datadog-tags` member, valid or not. */
const oddTagMember: fc.Arbitrary<string> = fc.oneof(
  oddTid.map((tid) => `_dd.p.tid=${tid}`),
  fc.constantFrom(
    "_dd.p.dm=-4",
    "_dd.p.dm=-0",
    "_dd.p.dm=4",
    "_dd.p.dm=-4abc",
    "_dd.p.dm=abcdef0123-4",
    "_dd.p.dm=",
    "_dd.p.usr.id=baz64==",
    "_dd.p.usr.id==",
    "_dd.p.a=b=c",
    "_dd.p.=x",
    "_dd.p.ts=02",
    "_dd.p.upstream_services=x",
    "_dd.p.x= spaced value ",
    " _dd.p.x=1",
    "_dd.p.x =1",
    "_dd.p.é=1",
    "_dd.p.x=é",
    "_dd.p.x=\u0000",
    "_dd.p.x",
    "_dd.p",
    "",
    " ",
    "=",
    "=1",
    "x=y",
    "_dd.x=y",
    "_DD.P.X=1",
    "key=value=more",
  ),
  fc.tuple(fc.stringMatching(/^[a-z._]{1,10}$/), oddText(10)).map(([k, v]) => `_dd.p.${k}=${v}`),
  fc.tuple(oddText(10), oddText(10)).map(([k, v]) => `${k}=${v}`),
  fc.stringMatching(/^[a-z0-9]{100,600}$/).map((v) => `_dd.p.big=${v}`),
);

/** `x-datadog-tags`: repeated keys, empty members (`,,`), spaces, non-`_dd.p.` keys, over-length. */
export const oddDatadogTags: fc.Arbitrary<string> = fc.oneof(
  fc.array(oddTagMember, { maxLength: 8 }).map((members) => members.join(",")),
  fc
    .tuple(fc.array(oddTagMember, { maxLength: 6 }), fc.constantFrom(",", ", ", " ,", ",,", ";"))
    .map(([members, sep]) => members.join(sep)),
  fc.tuple(hex(16), hex(16)).map(([a, b]) => `_dd.p.tid=${a},_dd.p.dm=-4,_dd.p.tid=${b}`),
  fc.constantFrom(
    ",",
    ",,",
    "_dd.p.dm=-4,",
    ",_dd.p.dm=-4",
    "_dd.p.dm=-4,,_dd.p.usr=1",
    "_dd.p.dm=-4,_dd.p.dm=-3",
  ),
);

/** Carriers of Datadog headers, one or more fields odd. */
export const oddDatadogCarrier: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "x-datadog-trace-id": fc.oneof(decimal64, oddDatadogId),
    "x-datadog-parent-id": fc.oneof(decimal64, oddDatadogId),
    "x-datadog-sampling-priority": oddPriority,
    "x-datadog-origin": oddOrigin,
    "x-datadog-tags": fc.oneof(datadogTags, oddDatadogTags),
  },
  { requiredKeys: ["x-datadog-trace-id", "x-datadog-parent-id"] },
);

/**
 * traceparent spellings: upper-case hex, version ff, later versions with extra fields, OWS around it,
 * wrong dash positions, wrong lengths, invalid flags.
 */
export const oddTraceparent: fc.Arbitrary<string> = fc.oneof(
  traceparent,
  fc
    .tuple(fc.mixedCase(hex(32)), fc.mixedCase(hex(16)), fc.mixedCase(hex(2)))
    .map(([t, s, f]) => `00-${t}-${s}-${f}`),
  fc
    .tuple(
      fc.constantFrom("00", "01", "02", "cc", "fe", "ff", "0A", "FF"),
      hex(32),
      hex(16),
      hex(2),
      fc.constantFrom("", "-", "-00", "-what-the-future-holds", "-0", ".x", "x", "00"),
    )
    .map(([v, t, s, f, extra]) => `${v}-${t}-${s}-${f}${extra}`),
  fc
    .tuple(
      traceparent,
      fc.constantFrom(" ", "\t", "  ", "\n", "\u00a0", ""),
      fc.constantFrom(" ", "\t", " \t", "\r\n", "\u00a0", ""),
    )
    .map(([tp, before, after]) => `${before}${tp}${after}`),
  fc
    .tuple(traceparent, fc.nat(54), fc.constantFrom("-", "", "--", "_", " "))
    .map(([tp, at, insert]) => tp.slice(0, at) + insert + tp.slice(at + 1)),
  fc.tuple(traceparent, fc.nat(54)).map(([tp, cut]) => tp.slice(0, cut)),
  fc.constantFrom(
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-001",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
    "0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01,00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01, 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01,",
  ),
);

/** A `dd=` tracestate member with odd contents: OWS, empty or repeated elements, odd values. */
const oddDdMember: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "s:1",
        "s:2",
        "s:-1",
        "s:0",
        "s:-0",
        "s:01",
        "s:+1",
        "s:1.0",
        "s: 1",
        "s:",
        "s:99999999999999999999",
      ),
      fc.constantFrom("o:rum", "o:synthetics~x", "o: rum", "o:", "o:a b", "o:é"),
      hex(16).map((p) => `p:${p}`),
      fc.mixedCase(hex(16)).map((p) => `p:${p}`),
      fc.constantFrom("p:0000000000000000", "p:1", "p:"),
      fc.constantFrom("t.dm:-4", "t.dm:-0", "t.dm:4", "t.dm:", "t.usr.id:baz64~~", "t.x:a:b", "t.:1"),
      oddTid.filter((t) => !/[,=;\s]/.test(t)).map((t) => `t.tid:${t}`),
      fc.constantFrom("", " ", "x", ":", "k:v", "x:1", " s:1 ", "s :1"),
    ),
    { maxLength: 8 },
  )
  .map((elements) => `dd=${elements.join(";")}`);

/** One tracestate list-member as a sender may write it, valid or not. */
const oddTracestateMember: fc.Arbitrary<string> = fc.oneof(
  vendorMember,
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9][a-z0-9_*/-]{0,6}$/),
      fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,5}$/),
      fc.stringMatching(/^[!-+--<>-~]{1,8}$/),
    )
    .map(([tenant, system, v]) => `${tenant}@${system}=${v}`),
  oddDdMember,
  fc.constantFrom(
    "",
    " ",
    "\t",
    "a=",
    "=b",
    "A=1",
    "a =1",
    "a= 1",
    "a=1 ",
    "@a=1",
    "a@=1",
    "a@@b=1",
    "a.b=1",
    "a=b=c",
    "a=,",
    "a=\u0000",
    "a=é",
    "1=1",
    "a/b*c=d",
  ),
  fc.stringMatching(/^[a-z]{257}$/).map((k) => `${k}=1`),
  fc.stringMatching(/^[a-z]=[a-z]{257}$/),
);

/** tracestate: OWS around members, empty members, 32 and more members, duplicate keys, `t@s` keys, odd `dd=`. */
export const oddTracestate: fc.Arbitrary<string> = fc.oneof(
  tracestate,
  fc
    .tuple(
      fc.array(oddTracestateMember, { maxLength: 8 }),
      fc.constantFrom(",", " ,", ", ", " , ", ",\t", ",,"),
    )
    .map(([members, sep]) => members.join(sep)),
  fc
    .tuple(fc.integer({ min: 30, max: 35 }), fc.boolean())
    .map(([n, withDd]) =>
      [...(withDd ? ["dd=s:1"] : []), ...Array.from({ length: n }, (_, i) => `k${i}=v${i}`)].join(","),
    ),
  fc.tuple(oddDdMember, oddDdMember).map(([a, b]) => `${a},rojo=1,${b}`),
);

/** Percent-encoding as senders write it: valid UTF-8, lower-case hex, invalid sequences, lone `%`. */
const percentText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }).map((v) => encodeURIComponent(v)),
  fc.string({ unit: "binary", maxLength: 12 }).map((v) => encodeURIComponent(v).toLowerCase()),
  fc.constantFrom(
    "%",
    "%2",
    "%zz",
    "%E9",
    "%C3%A9",
    "%c3%a9",
    "%C3",
    "%ED%A0%80",
    "%FF%FE",
    "%00",
    "%0A",
    "%25",
    "%2C",
    "%3B",
    "a+b",
    "%F0%9F%98%80",
    "%C0%AF",
  ),
  fc.string({ unit: fc.constantFrom("%", "2", "C", "e", "9", "a", "G", "Z"), maxLength: 10 }),
);

/** A baggage value as raw text: percent-encoded, binary and full-Unicode (grapheme) text, lone surrogates. */
const oddBaggageValue: fc.Arbitrary<string> = fc.oneof(
  percentText,
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.constantFrom("\ud800", "a\udc00b", "\ud83d", "é", "a b", "a\tb", '"q"', "a;b", "a=b", "a,b", ""),
);

/** Baggage member properties (`;k`, `;k=v`) with OWS. */
const baggageProperties: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[a-z]{1,5}$/),
      fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), percentText).map(([k, v]) => `${k}=${v}`),
      fc.constantFrom(" p = 1 ", "p=", "=v", "", " ", "p=%zz", "p=é", "p=\u0000"),
    ),
    { maxLength: 3 },
  )
  .map((props) => props.map((p) => `;${p}`).join(""));

/** One baggage list-member as a sender may write it. */
const oddBaggageMember: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9!#$&'*+.^_`|~-]{1,8}$/),
        fc.constantFrom("__proto__", "constructor", "k", "é", "a b", "", "a=b"),
      ),
      fc.constantFrom("", " ", "\t"),
      oddBaggageValue,
      baggageProperties,
    )
    .map(([k, ows, v, props]) => `${ows}${k}${ows}=${ows}${v}${ows}${props}`),
  fc.constantFrom("", " ", "k", "=v", "k=v=w", ";p=1", "k=v;", "k=v;;"),
);

/** baggage: percent-encoding (valid and invalid), properties, OWS, non-ASCII, lone surrogates. */
export const oddBaggage: fc.Arbitrary<string> = fc.oneof(
  baggage,
  fc
    .tuple(fc.array(oddBaggageMember, { maxLength: 8 }), fc.constantFrom(",", " , ", ",\t", ",,"))
    .map(([members, sep]) => members.join(sep)),
  fc.integer({ min: 62, max: 70 }).map((n) => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join(",")),
);

/** A W3C carrier with odd fields. */
const oddW3CCarrier: fc.Arbitrary<Record<string, string>> = fc.record(
  { traceparent: oddTraceparent, tracestate: oddTracestate, baggage: oddBaggage },
  { requiredKeys: [] },
);

/** Any mix of odd Datadog and W3C headers (both styles, conflicts included). */
export const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  oddDatadogCarrier,
  oddW3CCarrier,
  fc.tuple(oddDatadogCarrier, oddW3CCarrier).map(([dd, w3c]) => ({ ...dd, ...w3c })),
);

/**
 * Who reads a respelled carrier: the stored-carrier reader (`contextFromCarrier`, src/carrier/normalize-carrier.ts
 * `normalizeCarrier`) takes strings, arrays, bytes, a kafkajs Buffer's JSON form, safe integers and
 * bigints; the AMQP getter strings, arrays, bytes and safe integers; the Kafka getter strings, arrays
 * and bytes (src/messaging/header-getters.ts `valueToText`: "values of other types ... are absent"); `json` is the
 * stored-carrier reader given the carrier as JSON text, which holds only strings and arrays of them.
 */
export type ValueReader = "stored" | "amqp" | "kafka" | "json";

/**
 * A header value as a stored carrier or a message may hold the same text: the string, a one-element
 * array (Node `IncomingHttpHeaders` / repeated fields), and for the readers that take them a Buffer or
 * Uint8Array of its UTF-8, a kafkajs Buffer's JSON form, or a number / bigint when the text is the
 * canonical decimal of one.
 */
const sameTextAs = (text: string, reader: ValueReader = "stored"): fc.Arbitrary<unknown> => {
  const forms: fc.Arbitrary<unknown>[] = [fc.constant(text), fc.constant([text])];
  // Bytes hold the same text only when it is well-formed UTF-16 (a lone surrogate has no UTF-8 form:
  // Buffer.from writes U+FFFD for it).
  if (reader !== "json" && !/\p{Cs}/u.test(text)) {
    forms.push(fc.constant(Buffer.from(text)), fc.constant(new Uint8Array(Buffer.from(text))));
    if (reader === "stored") forms.push(fc.constant({ type: "Buffer", data: [...Buffer.from(text)] }));
  }
  if ((reader === "stored" || reader === "amqp") && /^(0|[1-9][0-9]*)$/.test(text)) {
    const value = BigInt(text);
    if (reader === "stored") forms.push(fc.constant(value));
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(fc.constant(Number(value)));
  }
  return fc.oneof(...forms);
};

/**
 * The same carrier written differently: each name in any case, each value in one of
 * {@link sameTextAs}'s forms for `reader`. `original` is the lower-case, string-valued carrier it means.
 */
export const respelled = (
  carriers: fc.Arbitrary<Record<string, string>>,
  reader: ValueReader = "stored",
): fc.Arbitrary<{ original: Record<string, string>; respelled: Record<string, unknown> }> =>
  carriers.chain((original) =>
    fc
      .tuple(
        ...Object.entries(original).map(([name, value]) =>
          fc.tuple(anyCase(name), sameTextAs(value, reader)),
        ),
      )
      .map((entries) => ({ original, respelled: Object.fromEntries(entries) as Record<string, unknown> })),
  );

/** Odd carriers, respelled: names in any case, values as arrays, Buffers, numbers. */
export const oddCarrier: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  oddHeaders,
  respelled(oddHeaders).map((r) => r.respelled),
);

// ---------------------------------------------------------------------------------------------------
// One forbidden character in an otherwise valid header. A random string rarely leaves the rest of a
// header valid around a bad byte (a control character in an `x-datadog-tags` value showed up about once
// in 3 000 runs), so these take a valid header and put exactly one character its grammar forbids where
// the grammar looks for it: in a tag value or key, a tracestate member (the `dd=` member's value among
// them), a baggage value, a traceparent, a decimal id, an origin.
// ---------------------------------------------------------------------------------------------------

/** C0 controls (tab apart: OWS in the W3C headers) and DEL: no header value tracehop reads may keep them. */
const CONTROL_CHARS = ["\u0000", "\u0001", "\n", "\r", "\u000b", "\u001b", "\u001f", "\u007f"];
/** Non-ASCII: C1 controls, Latin-1, a line separator, a BOM, lone surrogates, a pair, a full-width digit. */
const NON_ASCII_CHARS = [
  "\u0080",
  "\u009f",
  "\u00a0",
  "é",
  "\u2028",
  "\ufeff",
  "\ud800",
  "\udc00",
  "\ud83d\ude00",
  "１",
];

/** A control or non-ASCII character (controls twice as often), or one of `printable`, forbidden where it goes. */
const forbiddenChar = (...printable: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...CONTROL_CHARS) },
    { weight: 1, arbitrary: fc.constantFrom(...NON_ASCII_CHARS) },
    ...(printable.length === 0 ? [] : [{ weight: 1, arbitrary: fc.constantFrom(...printable) }]),
  );

/**
 * `text` with `char` put at an index from `first` to `last` (both included) chosen by `n`: inserted
 * before the character there, or with `replace` written over it.
 */
function putChar(
  text: string,
  char: string,
  n: number,
  first: number,
  last: number,
  replace = false,
): string {
  const at = first + (n % (last - first + 1));
  return text.slice(0, at) + char + text.slice(replace ? at + 1 : at);
}

/** The `,`-separated `list` (possibly empty) with `member` added at the place `n` picks. */
function withMember(list: string, member: string, n: number): string {
  const members = list === "" ? [] : list.split(",");
  members.splice(n % (members.length + 1), 0, member);
  return members.join(",");
}

/** What a header with one forbidden character damages; see {@link oneForbiddenChar}. */
export type ForbiddenCharField =
  | "traceparent"
  | "tracestate key"
  | "tracestate value"
  | "dd= member value"
  | "baggage value"
  | "baggage value, escaped"
  | "x-datadog-trace-id"
  | "x-datadog-parent-id"
  | "x-datadog-tags key"
  | "x-datadog-tags value"
  | "x-datadog-origin";

/**
 * A carrier valid as written (`clean`) and the same carrier with one character added or changed
 * (`damaged`), in the member named `target` where the field has members (a tracestate key, a tag name,
 * a baggage key) and `value`, the text the target member's value holds in `clean`; `readAs`, for an
 * escaped baggage character (valid), the value the damaged member is read as.
 */
export interface OneForbiddenChar {
  field: ForbiddenCharField;
  clean: Record<string, string>;
  damaged: Record<string, string>;
  target?: string;
  value?: string;
  readAs?: string;
}

/** A Datadog decimal id other than 0 (0 is no id: these carriers are valid but for one character). */
const nonZeroDecimal64 = decimal64.filter((id) => id !== "0");
/** The tag every damaged `x-datadog-tags` carries: a `_dd.p.` name no other generator makes. */
const DAMAGED_TAG = "_dd.p.hardening";
/** The key of the damaged baggage member: `~` keeps it apart from the keys of {@link baggage}. */
const DAMAGED_BAGGAGE_KEY = "hardening~";
/** A traceparent other than the all-zero ids (invalid: these carriers are valid but for one character). */
const nonZeroTraceparent = traceparent.filter((tp) => !/-0{32}-|-0{16}-/.test(tp));
/** The key of the damaged tracestate member: `@` keeps it apart from {@link vendorMember}'s keys. */
const DAMAGED_TRACESTATE_KEY = "hardening@x";

/** Valid Datadog ids around `x-datadog-tags` / `x-datadog-origin` (tracehop reads them only with ids). */
const datadogIds = fc.record({
  "x-datadog-trace-id": nonZeroDecimal64,
  "x-datadog-parent-id": nonZeroDecimal64,
});

/** One forbidden character in an `x-datadog-tags` header, in {@link DAMAGED_TAG}'s name or value. */
const forbiddenInTags = (part: "key" | "value"): fc.Arbitrary<OneForbiddenChar> =>
  fc
    .tuple(
      datadogIds,
      datadogTags,
      // A tag value: printable ASCII, spaces included, no `,` (dd-trace-java `DatadogPTagsCodec`) and no
      // `=` (allowed, but after a `,` put before it, `x=y` would be a member of its own).
      fc.stringMatching(/^[ -+\--<>-~]{1,8}$/),
      // A key forbids spaces and `,` too; a value only `,` (inserted before its last character, so that
      // it never makes the one trailing `,` the decoder tolerates).
      part === "key" ? forbiddenChar("\t", " ", ",") : forbiddenChar("\t", ","),
      fc.nat(),
      fc.nat(),
    )
    .map(([ids, tags, value, char, at, place]) => {
      const member = `${DAMAGED_TAG}=${value}`;
      const prefix = "_dd.p.".length;
      const bad =
        part === "key"
          ? putChar(member, char, at, prefix, DAMAGED_TAG.length)
          : putChar(member, char, at, DAMAGED_TAG.length + 1, member.length - 1);
      return {
        field: part === "key" ? "x-datadog-tags key" : "x-datadog-tags value",
        clean: { ...ids, "x-datadog-tags": withMember(tags, member, place) },
        damaged: { ...ids, "x-datadog-tags": withMember(tags, bad, place) },
        target: DAMAGED_TAG,
        value,
      };
    });

/**
 * One forbidden character in a decimal id (any place: nothing around an id is trimmed). Not `,`: it
 * separates the values of a field repeated and joined in one string (`"1, 1"`, Node's `req.headers`),
 * which read as the first (test/propagation/datadog-joined-fields.test.ts).
 */
const forbiddenInId = (name: "x-datadog-trace-id" | "x-datadog-parent-id"): fc.Arbitrary<OneForbiddenChar> =>
  fc
    .tuple(datadogIds, forbiddenChar("\t", " ", "+", "-", ".", "a", "x", "e", "١"), fc.nat(), fc.boolean())
    .map(([ids, char, at, replace]) => {
      const id = ids[name];
      const bad = replace
        ? putChar(id, char, at, 0, id.length - 1, true)
        : putChar(id, char, at, 0, id.length);
      return { field: name, clean: ids, damaged: { ...ids, [name]: bad } };
    });

/**
 * One forbidden character in a tracestate list-member that {@link tracestate}'s other members surround:
 * in the value of a vendor member or of a `dd=` member (before its last character: a trailing tab would
 * be OWS), or in a vendor member's key (upper case, `.`, `=` and controls: no OWS, `,` or space, which
 * would end the member or be trimmed).
 */
const forbiddenInTracestate = (
  part: "tracestate key" | "tracestate value" | "dd= member value",
): fc.Arbitrary<OneForbiddenChar> =>
  fc
    .tuple(
      nonZeroTraceparent,
      tracestate,
      part === "dd= member value"
        ? ddMember
        : vendorMember.map((m) => DAMAGED_TRACESTATE_KEY + m.slice(m.indexOf("="))),
      part === "tracestate key" ? forbiddenChar("A", "Z", ".", "=") : forbiddenChar(",", "="),
      fc.nat(),
      fc.nat(),
    )
    .map(([tp, list, member, char, at, place]) => {
      // The damaged `dd=` member is the only one (the left-most of a repeated key is the one read).
      const others =
        part === "dd= member value"
          ? list
              .split(",")
              .filter((m) => !m.startsWith("dd="))
              .join(",")
          : list;
      const equals = member.indexOf("=");
      const bad =
        part === "tracestate key"
          ? putChar(member, char, at, 1, equals)
          : putChar(member, char, at, equals + 1, member.length - 1);
      return {
        field: part,
        clean: { traceparent: tp, tracestate: withMember(others, member, place) },
        damaged: { traceparent: tp, tracestate: withMember(others, bad, place) },
        target: member.slice(0, equals),
        value: member.slice(equals + 1),
      };
    });

/**
 * One forbidden character in a baggage value among {@link baggage}'s members: raw (anywhere in the value:
 * controls, non-ASCII, `"`, `\`; no OWS, which is trimmed at its ends), or `escaped`, percent-encoded
 * (valid: the value then holds the character, which an injection must encode again).
 */
const forbiddenInBaggage = (escaped: boolean): fc.Arbitrary<OneForbiddenChar> =>
  fc
    .tuple(baggage, fc.stringMatching(/^[A-Za-z0-9]{0,8}$/), forbiddenChar('"', "\\"), fc.nat(), fc.nat())
    .map(([others, value, char, at, place]) => {
      const text = escaped
        ? [...Buffer.from(char)]
            .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
            .join("")
        : char;
      const bad = putChar(value, text, at, 0, value.length);
      return {
        field: escaped ? "baggage value, escaped" : "baggage value",
        clean: { baggage: withMember(others, `${DAMAGED_BAGGAGE_KEY}=${value}`, place) },
        damaged: { baggage: withMember(others, `${DAMAGED_BAGGAGE_KEY}=${bad}`, place) },
        target: DAMAGED_BAGGAGE_KEY,
        value,
        ...(escaped ? { readAs: decodeURIComponent(bad) } : {}),
      };
    });

/**
 * One forbidden character in each field tracehop reads, valid but for it: by field, for properties about
 * one field (the damaged carrier is refused where `clean` is read), and all together
 * ({@link oneForbiddenChar}).
 */
export const forbiddenCharIn: Readonly<Record<ForbiddenCharField, fc.Arbitrary<OneForbiddenChar>>> = {
  // Inserted (the length is then wrong), appended or written over a character; no OWS (trimmed at the ends) and
  // no `-` (written over a `-` it would change nothing).
  traceparent: fc
    .tuple(
      nonZeroTraceparent,
      forbiddenChar("A", "F", "g", ",", "."),
      fc.nat(),
      // After the flags as often as anywhere inside: a version-00 traceparent is exactly 55 characters.
      fc.constantFrom("insert", "replace", "append"),
    )
    .map(([tp, char, at, how]) => ({
      field: "traceparent",
      clean: { traceparent: tp },
      damaged: {
        traceparent:
          how === "append"
            ? tp + char
            : putChar(tp, char, at, 0, tp.length - (how === "replace" ? 1 : 0), how === "replace"),
      },
    })),
  "tracestate key": forbiddenInTracestate("tracestate key"),
  "tracestate value": forbiddenInTracestate("tracestate value"),
  "dd= member value": forbiddenInTracestate("dd= member value"),
  "baggage value": forbiddenInBaggage(false),
  "baggage value, escaped": forbiddenInBaggage(true),
  "x-datadog-trace-id": forbiddenInId("x-datadog-trace-id"),
  "x-datadog-parent-id": forbiddenInId("x-datadog-parent-id"),
  "x-datadog-tags key": forbiddenInTags("key"),
  "x-datadog-tags value": forbiddenInTags("value"),
  "x-datadog-origin": fc
    .tuple(
      datadogIds,
      fc.constantFrom("synthetics", "rum", "synthetics-browser", "lambda"),
      forbiddenChar("\t"),
      fc.nat(),
    )
    .map(([ids, origin, char, at]) => ({
      field: "x-datadog-origin",
      clean: { ...ids, "x-datadog-origin": origin },
      damaged: { ...ids, "x-datadog-origin": putChar(origin, char, at, 0, origin.length) },
      value: origin,
    })),
};

/** Any field of {@link forbiddenCharIn}; the `x-datadog-tags` ones, the gap these close, twice as often. */
export const oneForbiddenChar: fc.Arbitrary<OneForbiddenChar> = fc.oneof(
  ...Object.entries(forbiddenCharIn).map(([field, arbitrary]) => ({
    weight: field.startsWith("x-datadog-tags") ? 2 : 1,
    arbitrary,
  })),
);

/**
 * Carriers valid but for one forbidden character: the damaged header with only what it needs
 * (the ids of `x-datadog-tags`, the traceparent of a tracestate), or inside a whole {@link validCarrier}.
 */
export const nearlyValidCarrier: fc.Arbitrary<Record<string, string>> = fc.oneof(
  oneForbiddenChar.map((sample) => sample.damaged),
  fc.tuple(validCarrier, oneForbiddenChar).map(([carrier, sample]) => ({ ...carrier, ...sample.damaged })),
);

/** Text with control characters, separators and non-ASCII, to break parsers and header writers. */
const hostileText = fc.oneof(
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
const invalidUtf8 = fc
  .array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xe2, 0xf5, 0xff, 0x30, 0x2d), {
    minLength: 1,
    maxLength: 16,
  })
  .map((bytes) => Buffer.from(bytes));

/** Any value a hostile carrier may hold under a header name. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
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
  fc.array(fc.oneof(hostileText, traceparent, oddTraceparent), { maxLength: 3 }),
  oddTraceparent,
  oddTracestate,
  oddBaggage,
  oddDatadogId,
  fc.oneof(oddTraceparent, oddDatadogId).map((text) => Buffer.from(text)),
  fc.object({ maxDepth: 2 }),
  fc.constant({ type: "Buffer", data: [0x30, 0x30, 0xff] }),
  fc.constant(Object.create(null) as object),
);

/** A key of a hostile carrier: header names in any case, prototype keys, random names. */
const hostileKey = fc.oneof(
  fc.constantFrom(...HEADER_NAMES),
  fc.constantFrom(...HEADER_NAMES).map((name) => name.toUpperCase()),
  fc.constantFrom(...HEADER_NAMES).chain(anyCase),
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

/**
 * Everything a carrier parameter may receive: carriers (odd spellings included), their JSON text, bytes,
 * Maps, and non-objects; about a fifth of them valid but for one forbidden character, as they are or
 * respelled.
 */
export const anyCarrierInput: fc.Arbitrary<unknown> = fc.oneof(
  validCarrier,
  damagedCarrier,
  hostileCarrier,
  validCarrier.map((c) => JSON.stringify(c)),
  validCarrier.map((c) => Buffer.from(JSON.stringify(c))),
  validCarrier.map((c) => new Map(Object.entries(c))),
  oddCarrier,
  oddHeaders.map((c) => JSON.stringify(c)),
  respelled(oddHeaders).map((r) => new Map(Object.entries(r.respelled))),
  fc.anything(),
  { weight: 2, arbitrary: nearlyValidCarrier },
  respelled(nearlyValidCarrier).map((r) => r.respelled),
);

// ---------------------------------------------------------------------------------------------------
// Hostile contexts for injection: what an application can put into a context through the public API
// (setDatadogContext, trace.setSpanContext with any TraceState, propagation.setBaggage), not what the
// decoders yield.
// ---------------------------------------------------------------------------------------------------

/** A plausible field value: what the application meant to send. */
const plainText = fc.stringMatching(/^[a-z0-9._-]{1,12}$/);

/**
 * Text an application may put into a field: {@link hostileText}; a plausible value with one character
 * no header grammar allows where it goes (controls, DEL, non-ASCII, lone surrogates, and `,` `=` `~`
 * `;` and space, the separators of the Datadog headers and of the `dd=` member); and huge values.
 */
const hostileFieldText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: plainText },
  { weight: 2, arbitrary: hostileText },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.stringMatching(/^[a-z0-9]{0,6}$/),
        forbiddenChar(",", "=", "~", ";", " ", ":"),
        fc.stringMatching(/^[a-z0-9]{0,6}$/),
      )
      .map(([before, char, after]) => before + char + after),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 100, max: 3000 }), fc.constantFrom("a", "x=", "é", "\n", " ", "%"))
      .map(([n, unit]) => unit.repeat(n)),
  },
);

/** A value an untyped (JavaScript) caller may pass where a string is declared. */
const nonStringValue: fc.Arbitrary<unknown> = fc.constantFrom(
  42,
  -1.5,
  null,
  true,
  { toString: () => "\r\nx-evil: 1" },
  ["a\nb"],
);

/** A hex id of `length` digits as an application may set it: valid, upper case, all zero, wrong length, not hex. */
const hostileHexId = (length: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: hex(length) },
    { weight: 1, arbitrary: hex(length).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.mixedCase(hex(length)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant("0".repeat(length)),
        hex(length - 1),
        hex(length + 1),
        hex(length - 1).map((id) => `${id}\n`),
        hex(length - 1).map((id) => `${id}g`),
        hex(length - 1).map((id) => `${id}\uff10`),
        hostileText,
      ),
    },
  );

/**
 * A TraceState that checks nothing (a vendor's, or one written in haste): `set` puts the raw pair
 * first, and `get` and `serialize` give back whatever was stored; {@link LaxTraceState.parse} splits a
 * header at `,` and `=` without a check (a member without `=` is a key without a value).
 */
export class LaxTraceState implements TraceState {
  constructor(readonly entries: readonly (readonly [string, string | undefined])[]) {}

  static parse(text: string): LaxTraceState {
    return new LaxTraceState(
      text.split(",").map((member) => {
        const equals = member.indexOf("=");
        return equals === -1 ? [member, undefined] : [member.slice(0, equals), member.slice(equals + 1)];
      }),
    );
  }

  set(key: string, value: string): TraceState {
    return new LaxTraceState([[key, value], ...this.entries.filter(([k]) => k !== key)]);
  }

  unset(key: string): TraceState {
    return new LaxTraceState(this.entries.filter(([k]) => k !== key));
  }

  get(key: string): string | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }

  serialize(): string {
    return this.entries.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(",");
  }
}

/** A tracestate key: Datadog's, a vendor's, or hostile text. */
const hostileTracestateKey = fc.oneof(
  fc.constant("dd"),
  fc.stringMatching(/^[a-z][a-z0-9_*/@-]{0,8}$/),
  hostileFieldText,
);
/** A tracestate value: a `dd` member value as senders write it, or hostile text. */
const hostileTracestateValue = fc.oneof(
  oddDdMember.map((member) => member.slice("dd=".length)),
  hostileFieldText,
);
const hostileTracestateEntries = fc.array(fc.tuple(hostileTracestateKey, hostileTracestateValue), {
  maxLength: 4,
});

/**
 * The TraceState of a span context an application sets: none, tracehop's own (valid by construction),
 * @opentelemetry/core's with odd entries (its `set` checks nothing), and a {@link LaxTraceState} of
 * hostile entries, or read from a hostile header.
 */
const hostileTraceState: fc.Arbitrary<TraceState | undefined> = fc.oneof(
  fc.constant(undefined),
  tracestate.map((header) => W3CTraceState.fromHeader(header)),
  fc
    .tuple(fc.oneof(tracestate, oddTracestate), hostileTracestateEntries)
    .map(([header, entries]) =>
      entries.reduce<TraceState>((state, [key, value]) => state.set(key, value), new CoreTraceState(header)),
    ),
  hostileTracestateEntries.map((entries) => new LaxTraceState(entries)),
  fc.oneof(oddTracestate, hostileFieldText).map((text) => LaxTraceState.parse(text)),
);

/** A span context as `trace.setSpanContext` takes it from an application: any ids, flags and TraceState. */
const hostileSpanContext: fc.Arbitrary<SpanContext> = fc.record({
  traceId: fc.oneof(
    { weight: 5, arbitrary: hostileHexId(32) },
    // Low 64 bits zero: no Datadog id; high 64 bits zero: no `_dd.p.tid`.
    { weight: 1, arbitrary: hex(16).map((high) => high + "0".repeat(16)) },
    { weight: 1, arbitrary: hex(16).map((low) => "0".repeat(16) + low) },
  ),
  spanId: hostileHexId(16),
  traceFlags: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(-1, Number.NaN, 1.5, 2 ** 40, -0, undefined as unknown as number),
    },
    // Not a number at all, from untyped code (src/propagation/trace-flags.ts `knownTraceFlags`).
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        "1",
        "01",
        "3",
        "abc",
        true,
        false,
        null,
        1n,
        {},
        {
          valueOf: () => 1,
        },
      ) as fc.Arbitrary<number>,
    },
  ),
  isRemote: fc.boolean(),
  traceState: hostileTraceState,
});

/** A `_dd.p.*` tag name an application may set: the fixed ones, hostile names, keys outside `_dd.p.`. */
const hostileTagKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "_dd.p.dm",
    "_dd.p.tid",
    "_dd.p.ts",
    "_dd.p.upstream_services",
    "_dd.p.",
    "_dd.p.usr.id",
    "dd.p.x",
    "x",
  ),
  { weight: 3, arbitrary: hostileFieldText.map((name) => `_dd.p.${name}`) },
  hostileFieldText,
);

/** A tag value: hostile text mostly, sometimes not a string at all (an untyped caller). */
const hostileTagValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: hostileFieldText },
  { weight: 1, arbitrary: nonStringValue as fc.Arbitrary<string> },
);

/** The fields an application passes to `setDatadogContext`. */
const hostileDatadogFields: fc.Arbitrary<DatadogContext> = fc.record(
  {
    samplingPriority: fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.integer(),
      fc.constantFrom(-0, Number.NaN, 1.5, Infinity, 2 ** 40, 1e10, 9_999_999_999, -9_999_999_999),
    ),
    origin: fc.oneof(
      { weight: 6, arbitrary: fc.oneof(oddOrigin, hostileFieldText) },
      {
        weight: 1,
        arbitrary: nonStringValue as fc.Arbitrary<string>,
      },
    ),
    propagationTags: fc.dictionary(hostileTagKey, hostileTagValue, { maxKeys: 6 }),
    lastParentId: fc.oneof(hex(16), fc.mixedCase(hex(16)), hostileFieldText),
  },
  { requiredKeys: ["propagationTags"] },
);

/** Baggage entries an application sets: any keys, values and metadata, and lists beyond the limits. */
const hostileBaggage: fc.Arbitrary<[string, BaggageEntry][]> = fc.oneof(
  fc.array(
    fc
      .tuple(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), hostileFieldText),
        hostileFieldText,
        fc.option(
          fc.oneof(
            hostileFieldText,
            fc
              .array(fc.tuple(fc.oneof(plainText, hostileFieldText), fc.option(hostileFieldText)), {
                maxLength: 3,
              })
              .map((props) => props.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(";")),
          ),
          { nil: undefined },
        ),
      )
      .map(([key, value, metadata]): [string, BaggageEntry] => [
        key,
        metadata === undefined ? { value } : { value, metadata: baggageEntryMetadataFromString(metadata) },
      ]),
    { maxLength: 8 },
  ),
  // Over 64 members, or over 8192 bytes: later members are dropped whole.
  fc
    .tuple(fc.integer({ min: 60, max: 80 }), fc.integer({ min: 1, max: 300 }))
    .map(([count, size]) =>
      Array.from({ length: count }, (_, i): [string, BaggageEntry] => [`k${i}`, { value: "v".repeat(size) }]),
    ),
);

/**
 * A context as an application builds it for injection (plain data; {@link contextOfInjection} builds
 * it): a span context, Datadog fields set before the span (bound to no trace) or after it, baggage.
 */
export interface HostileInjection {
  spanContext?: SpanContext;
  datadog?: DatadogContext;
  datadogFirst: boolean;
  /**
   * True: the Datadog fields go through `setDatadogContext`, as an application sets them (the ones it
   * refuses are left out); false: all of them are bound as they are, as extraction binds what it read
   * (`bindDatadogContext`), so that the encoders meet every hostile value.
   */
  viaSetter: boolean;
  baggage?: [string, BaggageEntry][];
}

export const hostileInjection: fc.Arbitrary<HostileInjection> = fc.record(
  {
    spanContext: hostileSpanContext,
    datadog: hostileDatadogFields,
    datadogFirst: fc.boolean(),
    viaSetter: fc.boolean(),
    baggage: hostileBaggage,
  },
  { requiredKeys: ["datadogFirst", "viaSetter"] },
);

/**
 * The Context of a {@link HostileInjection}. With `viaSetter`, built with the public API as an
 * application would: `setDatadogContext` refuses a field value it cannot hold with a TypeError (a
 * priority out of its range with a RangeError)
 * (checked here: anything else thrown fails the property); the fields set are the ones it accepts,
 * each field and each tag tried alone. Without it, every field is bound as it is
 * (`bindDatadogContext`, bound to the span context's trace as the setter binds), so that the encoders'
 * own checks meet every hostile value whatever the setter lets through.
 */
export function contextOfInjection(injection: HostileInjection): Context {
  let ctx = ROOT_CONTEXT;
  const { spanContext, datadog: given, datadogFirst, viaSetter, baggage } = injection;
  const setDatadog = (c: Context): Context =>
    viaSetter
      ? setDatadogContext(c, acceptedFields(given!))
      : bindDatadogContext(c, given!, trace.getSpanContext(c)?.traceId);
  if (given !== undefined && datadogFirst) ctx = setDatadog(ctx);
  if (spanContext !== undefined) ctx = trace.setSpanContext(ctx, spanContext);
  if (given !== undefined && !datadogFirst) ctx = setDatadog(ctx);
  if (baggage !== undefined)
    ctx = propagation.setBaggage(ctx, propagation.createBaggage(Object.fromEntries(baggage)));
  return ctx;
}

/** True when `setDatadogContext` takes `fields`; false when it refuses them with its TypeError. */
function isSettable(fields: Record<string, unknown>): boolean {
  try {
    setDatadogContext(ROOT_CONTEXT, fields);
    return true;
  } catch (error) {
    if (
      (error instanceof TypeError || error instanceof RangeError) &&
      error.message.startsWith("tracehop setDatadogContext: ")
    )
      return false;
    throw error;
  }
}

/** The fields and tags of `fields` that `setDatadogContext` takes, each tried alone. */
function acceptedFields(fields: DatadogContext): DatadogContext {
  const accepted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields))
    if (name !== "propagationTags" && isSettable({ [name]: value })) accepted[name] = value;
  const tags = Object.entries(fields.propagationTags).filter(([key, value]) =>
    isSettable({ propagationTags: { [key]: value } }),
  );
  return { ...accepted, propagationTags: Object.fromEntries(tags) };
}

// ---------------------------------------------------------------------------------------------------
// The object getDatadogContext hands out, changed in place: unsupported (its docstring), but an
// application can do it, and propagation must not throw or write a bad header because of it.
// ---------------------------------------------------------------------------------------------------

/** A field of {@link DatadogContext}. */
type DatadogField = keyof DatadogContext;
const DATADOG_FIELDS: readonly DatadogField[] = [
  "samplingPriority",
  "origin",
  "propagationTags",
  "lastParentId",
];

/**
 * A value an untyped caller may assign to any field or tag: wrong types (numbers, text where a number
 * belongs, objects whose `toString` writes a header, arrays, symbols, bigints), null and undefined,
 * and hostile text.
 */
const anyFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileFieldText },
  { weight: 2, arbitrary: nonStringValue },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      undefined,
      "2",
      "-1",
      2,
      -1,
      0,
      Number.NaN,
      1.5,
      2 ** 40,
      {},
      [],
      ["_dd.p.dm=-4"],
      { "_dd.p.dm": "-4", "_dd.p.x": "a\nb" },
      Symbol("hostile"),
      1n,
      "0000000000000001",
      { length: 16, toLowerCase: () => "000000000000000a", charCodeAt: () => 0x30 },
    ),
  },
);

/** One change made in place to the object `getDatadogContext` returned (see {@link applyMutation}). */
export type DatadogContextMutation =
  | { kind: "set"; field: DatadogField; value: unknown }
  | { kind: "delete"; field: DatadogField }
  | { kind: "setTag"; key: string; value: unknown }
  | { kind: "deleteTag"; key: string }
  | { kind: "throwingGetter"; field: DatadogField }
  | { kind: "throwingTagGetter"; key: string }
  /** `propagationTags` replaced by a Proxy whose `trap` throws (`none`: a transparent one over `tags`). */
  | { kind: "proxyTags"; trap: "get" | "ownKeys" | "getOwnPropertyDescriptor" | "has" | "none"; tags: object }
  /** `propagationTags` replaced by an object that inherits these tags (own ones: none). */
  | { kind: "inheritedTags"; tags: object };

const datadogField = fc.constantFrom(...DATADOG_FIELDS);
const hostileTagDictionary = fc.dictionary(hostileTagKey, anyFieldValue, { maxKeys: 4 });

const datadogContextMutation: fc.Arbitrary<DatadogContextMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("set" as const), field: datadogField, value: anyFieldValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), field: datadogField }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("setTag" as const), key: hostileTagKey, value: anyFieldValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteTag" as const), key: hostileTagKey }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("throwingGetter" as const), field: datadogField }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("throwingTagGetter" as const), key: hostileTagKey }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("proxyTags" as const),
      trap: fc.constantFrom(
        "get" as const,
        "ownKeys" as const,
        "getOwnPropertyDescriptor" as const,
        "has" as const,
        "none" as const,
      ),
      tags: hostileTagDictionary,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("inheritedTags" as const), tags: hostileTagDictionary }),
  },
);

/** Thrown by the getters and traps of {@link applyMutation}. */
class HostileAccessError extends Error {}

function throwingGetter(what: string): PropertyDescriptor {
  return {
    enumerable: true,
    configurable: true,
    get() {
      throw new HostileAccessError(`hostile getter of ${what}`);
    },
  };
}

/** Changes `fields` (the object getDatadogContext returned) in place as `mutation` says. */
export function applyMutation(fields: DatadogContext, mutation: DatadogContextMutation): void {
  try {
    mutate(fields as unknown as Record<string, unknown>, mutation);
  } catch (error) {
    // A change through a hostile getter or trap set by an earlier mutation: this one does not happen.
    if (!(error instanceof HostileAccessError)) throw error;
  }
}

function mutate(target: Record<string, unknown>, mutation: DatadogContextMutation): void {
  // The tags as they are now: a tag change goes to whatever object the field holds (if any).
  const tags = target.propagationTags;
  const tagTarget = typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : undefined;
  switch (mutation.kind) {
    // Reflect: a property an earlier mutation made a getter stays one (no TypeError in strict code).
    case "set":
      Reflect.set(target, mutation.field, mutation.value);
      return;
    case "delete":
      Reflect.deleteProperty(target, mutation.field);
      return;
    case "setTag":
      if (tagTarget !== undefined) Reflect.set(tagTarget, mutation.key, mutation.value);
      return;
    case "deleteTag":
      if (tagTarget !== undefined) Reflect.deleteProperty(tagTarget, mutation.key);
      return;
    case "throwingGetter":
      Object.defineProperty(target, mutation.field, throwingGetter(mutation.field));
      return;
    case "throwingTagGetter":
      if (tagTarget !== undefined)
        Object.defineProperty(tagTarget, mutation.key, throwingGetter(mutation.key));
      return;
    case "proxyTags": {
      const trap = mutation.trap;
      const handler: ProxyHandler<object> = {};
      if (trap !== "none")
        handler[trap] = () => {
          throw new HostileAccessError(`hostile ${trap} trap`);
        };
      target.propagationTags = new Proxy({ ...mutation.tags }, handler);
      return;
    }
    case "inheritedTags":
      target.propagationTags = Object.create({ ...mutation.tags }) as object;
      return;
  }
}

/**
 * A trace whose Datadog context an application then changes in place: the trace id (its low 64 bits
 * never zero, so that every style carries it), the Datadog fields it arrived with, and how it arrived
 * (`via`: Datadog headers, a traceparent with a `dd=` member, a traceparent alone — fields derived
 * when first read —, or `setDatadogContext`); `child`: injected from a local child span of it (the
 * span id and `isRemote` differ); `injectFirst`: injected once before the change (the trace's kept
 * encodings exist); then `mutations`.
 */
export interface MutatedDatadogContext {
  traceId: string;
  spanId: string;
  priority: number;
  origin: string | undefined;
  tags: string;
  via: "datadog" | "tracecontext" | "traceparent-only" | "setDatadogContext";
  child: boolean;
  injectFirst: boolean;
  mutations: DatadogContextMutation[];
}

const nonZeroHex = (length: number) => hex(length).filter((id) => /[1-9a-f]/.test(id));

export const mutatedDatadogContext: fc.Arbitrary<MutatedDatadogContext> = fc.record({
  traceId: fc.tuple(fc.oneof(hex(16), fc.constant("0".repeat(16))), nonZeroHex(16)).map(([h, l]) => h + l),
  spanId: nonZeroHex(16),
  priority: fc.integer({ min: -1, max: 2 }),
  origin: fc.constantFrom(undefined, "synthetics", "rum"),
  tags: fc.constantFrom("", "_dd.p.dm=-4", "_dd.p.dm=-4,_dd.p.usr.id=baz64==", "_dd.p.ts=02,_dd.p.x=y"),
  via: fc.constantFrom(
    "datadog" as const,
    "tracecontext" as const,
    "traceparent-only" as const,
    "setDatadogContext" as const,
  ),
  child: fc.boolean(),
  injectFirst: fc.boolean(),
  mutations: fc.array(datadogContextMutation, { minLength: 1, maxLength: 4 }),
});

/**
 * The Context of `trace` before its mutations (its Datadog context as extraction or the setter keeps
 * it), extracted with `createPropagator(["datadog", "tracecontext"])` from the headers of `via`.
 */
export function contextOfMutatedTrace(
  trace_: MutatedDatadogContext,
  extract: (carrier: Record<string, string>) => Context,
): Context {
  const { traceId, spanId, priority, origin, tags, via } = trace_;
  const high = traceId.slice(0, 16);
  const sampled = priority > 0;
  let ctx: Context;
  if (via === "setDatadogContext") {
    const withSpan = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId,
      traceFlags: sampled ? 1 : 0,
      isRemote: true,
    });
    const propagationTags = Object.fromEntries(splitTags(tags));
    ctx = setDatadogContext(withSpan, { samplingPriority: priority, origin, propagationTags });
  } else if (via === "datadog") {
    const tagList = [tags, /[1-9a-f]/.test(high) ? `_dd.p.tid=${high}` : ""].filter(Boolean).join(",");
    ctx = extract({
      "x-datadog-trace-id": BigInt(`0x${traceId.slice(16)}`).toString(),
      "x-datadog-parent-id": BigInt(`0x${spanId}`).toString(),
      "x-datadog-sampling-priority": String(priority),
      ...(origin === undefined ? {} : { "x-datadog-origin": origin }),
      ...(tagList === "" ? {} : { "x-datadog-tags": tagList }),
    });
  } else {
    const traceparent = `00-${traceId}-${spanId}-0${sampled ? 1 : 0}`;
    // `_dd.p.<name>=<value>` as the `dd=` member writes it: `;t.<name>:<value>`, `=` in the value as `~`.
    const ddTags = splitTags(tags)
      .map(([key, value]) => `;t.${key.slice("_dd.p.".length)}:${value.replaceAll("=", "~")}`)
      .join("");
    ctx = extract(
      via === "traceparent-only"
        ? { traceparent }
        : {
            traceparent,
            tracestate: `dd=s:${priority}${origin ? `;o:${origin}` : ""};p:${spanId}${ddTags},vendor=x`,
          },
    );
  }
  if (trace_.child) {
    const parent = trace.getSpanContext(ctx)!;
    ctx = trace.setSpanContext(ctx, { ...parent, spanId: "00000000000000c1", isRemote: false });
  }
  return ctx;
}

/** The `[key, value]` pairs of an `x-datadog-tags` value (split at each member's first `=`). */
function splitTags(tags: string): [string, string][] {
  if (tags === "") return [];
  return tags.split(",").map((member) => {
    const equals = member.indexOf("=");
    return [member.slice(0, equals), member.slice(equals + 1)];
  });
}

// ---------------------------------------------------------------------------------------------------
// Hostile write targets and readers: what a propagator's inject is handed to write into (a carrier and
// a setter that refuse the write) and what its extract is handed to read from (a carrier and a getter
// that throw, or give values of any type). Built afresh for each run: a frozen carrier or a counting
// setter is used once.
// ---------------------------------------------------------------------------------------------------

/** A carrier and a setter for `inject`: what they are (for the failure report), and a new pair of them. */
export interface WriteTarget {
  label: string;
  make(): { carrier: unknown; setter: TextMapSetter };
}

/**
 * A carrier and a getter for `extract`: what they are (for the failure report), and a new pair of them.
 * `readsNothing`: no header can be read through them (every `get` throws, or there is no `get`), so
 * that an extract must give back the context it was given.
 */
export interface ReadSource {
  label: string;
  readsNothing: boolean;
  make(): { carrier: unknown; getter: TextMapGetter };
}

/** `@opentelemetry/api`'s `defaultTextMapSetter` as an instrumentation passes it, built again here. */
const indexingSetter: TextMapSetter = {
  set(carrier, key, value) {
    (carrier as Record<string, unknown>)[key] = value;
  },
};

/** The proxy traps a hostile carrier may throw from (a random subset of them throws). */
const PROXY_TRAPS = [
  "get",
  "set",
  "has",
  "ownKeys",
  "deleteProperty",
  "defineProperty",
  "getOwnPropertyDescriptor",
  "getPrototypeOf",
] as const;

/** A Proxy over `target` whose `traps` throw. */
function throwingProxy(target: object, traps: readonly (typeof PROXY_TRAPS)[number][]): object {
  const handler: ProxyHandler<object> = {};
  for (const trap of traps)
    handler[trap] = () => {
      throw new Error(`proxy ${trap}`);
    };
  return new Proxy(target, handler);
}

/** A setter that throws at its `n`th call and at every later one (0: always). */
function setterThrowingFrom(n: number): TextMapSetter {
  let calls = 0;
  return {
    set(carrier, key, value) {
      if (calls++ >= n) throw new Error(`set #${calls}`);
      (carrier as Record<string, unknown>)[key] = value;
    },
  };
}

/** Stale propagation fields a carrier may hold (lower case or not) before a context is written there. */
const staleFields: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({}),
  validCarrier,
  validCarrier.map((carrier) =>
    Object.fromEntries(Object.entries(carrier).map(([key, value]) => [key.toUpperCase(), value])),
  ),
);

/** The three ways to lock an object against new fields. */
const LOCKS = {
  freeze: (o: object): object => Object.freeze(o),
  seal: (o: object): object => Object.seal(o),
  preventExtensions: (o: object): object => Object.preventExtensions(o),
};

/**
 * Where an inject may be asked to write and cannot, wholly or in part: a frozen, sealed or non-extensible
 * object (with stale fields or not), a field that is read-only or whose accessor throws, a primitive, `null`
 * or `undefined` with a setter that indexes it anyway, a Proxy whose traps throw, a setter that throws
 * from its nth call, and no setter at all (`null`, `{}`, a `set` that is no function).
 */
export const unwritableTarget: fc.Arbitrary<WriteTarget> = fc.oneof(
  fc
    .tuple(staleFields, fc.constantFrom("freeze" as const, "seal" as const, "preventExtensions" as const))
    .map(([fields, how]) => ({
      label: `Object.${how}(${JSON.stringify(fields)})`,
      make: () => ({ carrier: LOCKS[how]({ ...fields }), setter: defaultTextMapSetter }),
    })),
  fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.boolean()).map(([name, accessor]) => ({
    label: `${accessor ? "a throwing accessor" : "a read-only field"} ${name}`,
    make: () => {
      const carrier = {};
      if (accessor)
        Object.defineProperty(carrier, name, {
          enumerable: true,
          get: () => "x",
          set: () => {
            throw new Error(`set ${name}`);
          },
        });
      else Object.defineProperty(carrier, name, { value: "x", enumerable: true, writable: false });
      return { carrier, setter: indexingSetter };
    },
  })),
  fc.constantFrom<unknown>("carrier", 42, true, 10n, Symbol("carrier"), null, undefined).map((carrier) => ({
    label: `the primitive ${String(carrier)}`,
    make: () => ({ carrier, setter: indexingSetter }),
  })),
  fc.tuple(staleFields, fc.subarray([...PROXY_TRAPS], { minLength: 1 })).map(([fields, traps]) => ({
    label: `a Proxy of ${JSON.stringify(fields)} whose ${traps.join(", ")} throw`,
    make: () => ({ carrier: throwingProxy({ ...fields }, traps), setter: defaultTextMapSetter }),
  })),
  fc.integer({ min: 0, max: 6 }).map((n) => ({
    label: `a setter that throws from call ${n + 1}`,
    make: () => ({ carrier: {}, setter: setterThrowingFrom(n) }),
  })),
  fc.constantFrom<unknown>(null, undefined, {}, { set: 42 }).map((setter) => ({
    label: `the setter ${JSON.stringify(setter) ?? "undefined"}`,
    make: () => ({ carrier: {}, setter: setter as TextMapSetter }),
  })),
);

/** An object whose conversion to a primitive throws (a template string, `String()`, `+`). */
const unconvertible = (): object => ({
  [Symbol.toPrimitive]() {
    throw new Error("toPrimitive");
  },
  toString() {
    throw new Error("toString");
  },
});

/**
 * A value a getter may give, as a function that makes it afresh: a hostile value, one that cannot be
 * converted to text, a Symbol, arrays of any of them, an array whose reads throw, a sparse array.
 */
const readValue: fc.Arbitrary<() => unknown> = fc.oneof(
  hostileValue.map((value) => () => value),
  fc.constant(() => Symbol("value")),
  fc.constant(unconvertible),
  fc
    .array(fc.oneof(hostileValue, fc.constant(Symbol("v"))), { maxLength: 4 })
    .map((values) => () => [...values, unconvertible()]),
  fc.constant(() => throwingProxy(["1"], ["get"])),
  // eslint-disable-next-line no-sparse-arrays
  fc.constant(() => [, "1"]),
);

/** What a getter's `keys` may give: names (`ot-baggage-*` included), non-strings, a non-iterable, a throw. */
const readKeys: fc.Arbitrary<() => unknown> = fc.oneof(
  fc
    .array(fc.oneof(fc.constantFrom(...HEADER_NAMES, "ot-baggage-user", "OT-BAGGAGE-x"), hostileValue), {
      maxLength: 6,
    })
    .map((keys) => () => keys),
  fc.constantFrom<unknown>(null, undefined, 42, "ot-baggage-user", {}).map((keys) => () => keys),
  fc.constant(() => {
    throw new Error("keys");
  }),
  fc.constant(() =>
    (function* () {
      yield "ot-baggage-user";
      throw new Error("keys iterator");
    })(),
  ),
);

/**
 * What an extract may be asked to read from: a getter whose `get` gives values of any type (arrays of
 * non-strings, objects that cannot be converted to text, Symbols, Proxies whose reads throw) or throws,
 * and whose `keys` gives anything or throws; a Proxy carrier whose traps throw, read with the default
 * getter; no getter at all.
 */
export const hostileSource: fc.Arbitrary<ReadSource> = fc.oneof(
  fc
    .tuple(
      fc.dictionary(fc.constantFrom(...HEADER_NAMES, "ot-baggage-user"), readValue, { maxKeys: 8 }),
      readKeys,
      fc.boolean(),
    )
    .map(([values, keys, getThrows]) => ({
      label: `a getter of ${Object.keys(values).join(", ") || "nothing"}${getThrows ? " whose get throws" : ""}`,
      readsNothing: getThrows,
      make: () => ({
        carrier: {},
        getter: {
          get: (_carrier: unknown, key: string) => {
            if (getThrows) throw new Error(`get ${key}`);
            return values[key]?.() as string | undefined;
          },
          keys: keys as (carrier: unknown) => string[],
        },
      }),
    })),
  fc.tuple(validCarrier, fc.subarray([...PROXY_TRAPS], { minLength: 1 })).map(([fields, traps]) => ({
    label: `a Proxy of ${JSON.stringify(fields)} whose ${traps.join(", ")} throw`,
    readsNothing: traps.includes("get"),
    make: () => ({ carrier: throwingProxy({ ...fields }, traps), getter: defaultTextMapGetter }),
  })),
  fc
    .tuple(validCarrier, fc.constantFrom<unknown>(null, undefined, {}, { get: 42, keys: 42 }))
    .map(([carrier, getter]) => ({
      label: `the getter ${JSON.stringify(getter) ?? "undefined"} on ${JSON.stringify(carrier)}`,
      readsNothing: true,
      make: () => ({ carrier, getter: getter as TextMapGetter }),
    })),
);
