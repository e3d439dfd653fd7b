// Property tests over every createPropagator configuration, not only the six style lists of
// properties.test.ts: any subset of the styles in any order (as an array or a comma list, "none" and
// "b3 single header" among them), with any extractFirst, extractBehavior and tagsMaxLength, reading
// through the default, AMQP and Kafka getters and through contextFromCarrier / contextFromAmqpHeaders /
// contextFromKafkaHeaders with that propagator. Extract never throws nor changes Object.prototype, and
// accepts only valid contexts; the same propagator's inject, captureCarrier and the message header
// writers write only headers of their grammar (x-datadog-tags within the propagator's tagsMaxLength),
// and a captured carrier stays within MAX_STORED_CARRIER_BYTES. Inputs are biased to the edges: Datadog
// ids at 0, 2^53, 2^63, 2^64 - 1 and 2^64, 128-bit _dd.p.tid variants, tracestate of 30 to 34 members
// and keys at 256 characters, baggage at 62 to 66 and 178 to 183 members and 8 192 bytes, percent
// escapes that are no UTF-8.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import fc from "fast-check";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  type CreatePropagatorOptions,
} from "../../src/index.js";
import {
  amqpHeadersGetter,
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  kafkaHeadersGetter,
} from "../../src/messaging/index.js";
import { MAX_STORED_CARRIER_BYTES, storedCarrierBytes } from "../../src/prisma/index.js";
import { anyCarrierInput, nearlyValidCarrier, oddHeaders, runParameters } from "./arbitraries.js";
import {
  assertCleanCarrier,
  assertNoPrototypePollution,
  assertValidExtraction,
  injectFailures,
  watchDiagWarnings,
} from "./checks.js";

const STYLES = ["datadog", "tracecontext", "baggage", "b3", "b3multi", "b3 single header", "none"];

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

const EDGE_IDS = [0n, 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n];
const edgeId = fc.oneof(
  fc.constantFrom(...EDGE_IDS).map(String),
  fc.constantFrom(...EDGE_IDS).map((id) => `000${id}`),
  fc.bigInt({ min: 0n, max: 2n ** 64n + 5n }).map(String),
);
const tid = fc.oneof(
  hex(16),
  fc.constantFrom("0000000000000000", "ffffffffffffffff"),
  hex(15),
  hex(17),
  hex(32),
  hex(16).map((h) => h.toUpperCase()),
);
const datadogTags = fc
  .array(
    fc.oneof(
      tid.map((t) => `_dd.p.tid=${t}`),
      fc.constantFrom("_dd.p.dm=-4", "_dd.p.dm=-0", "_dd.p.tid=", "_dd.p.tid", `_dd.p.x=${"a".repeat(500)}`),
      fc.stringMatching(/^_dd\.p\.[a-z]{1,5}=[ -~]{0,10}$/),
    ),
    { maxLength: 5 },
  )
  .map((tags) => tags.join(","));

const tracestateKey = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,6}$/),
  fc.integer({ min: 250, max: 258 }).map((n) => "k" + "a".repeat(n - 1)),
  fc.constantFrom(
    "dd",
    "tenant@sys",
    `${"a".repeat(241)}@${"b".repeat(14)}`,
    `${"a".repeat(242)}@${"b".repeat(14)}`,
    "DD",
    "@x",
    "x@",
  ),
);
const tracestateValue = fc.oneof(
  fc.stringMatching(/^[!-+--<>-~]{1,8}$/),
  fc.integer({ min: 254, max: 258 }).map((n) => "v".repeat(n)),
  fc.constantFrom("s:1;p:0123456789abcdef;t.tid:640cfd8d00000000", "s:2;o:rum;t.dm:-4", "s:-0", "", " v"),
);
const members = (n: number, member: (i: number) => string) => Array.from({ length: n }, (_, i) => member(i));
const tracestate = fc.oneof(
  fc
    .array(
      fc.tuple(tracestateKey, tracestateValue).map(([k, v]) => `${k}=${v}`),
      { maxLength: 40 },
    )
    .map((list) => list.join(",")),
  fc.integer({ min: 30, max: 34 }).map((n) => members(n, (i) => `k${i}=v`).join(",")),
  fc.integer({ min: 30, max: 34 }).map((n) => members(n, (i) => `k${i % 3}=v${i}`).join(",")),
  fc
    .integer({ min: 30, max: 34 })
    .map((n) => ["dd=s:1;p:0000000000000001", ...members(n, (i) => `k${i}=v`), "dd=s:2"].join(",")),
);

const percent = fc.constantFrom(
  "%",
  "%2",
  "%zz",
  "%C3",
  "%C3%A9",
  "%ED%A0%80",
  "%F4%90%80%80",
  "%00",
  "%0A",
  "%7F",
  "%25",
  "%2C",
  "+",
  "%E2%80%A8",
  "%FF%FE",
);
const baggageValue = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{0,6}$/),
  fc.array(fc.oneof(percent, fc.stringMatching(/^[a-z]{0,3}$/)), { maxLength: 5 }).map((p) => p.join("")),
);
const baggage = fc.oneof(
  fc
    .array(
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), baggageValue, fc.constantFrom("", ";p", ";p=%zz"))
        .map(([k, v, p]) => `${k}=${v}${p}`),
      { maxLength: 10 },
    )
    .map((list) => list.join(",")),
  fc.integer({ min: 178, max: 183 }).map((n) => members(n, (i) => `k${i}=v`).join(",")),
  fc.integer({ min: 62, max: 66 }).map((n) => members(n, (i) => `k${i}=v`).join(",")),
  fc.integer({ min: 8185, max: 8200 }).map((n) => "k=" + "v".repeat(n - 2)),
  fc.integer({ min: 8185, max: 8200 }).map((n) => "k=" + "%C3%A9".repeat(Math.floor((n - 2) / 6))),
);

/** Carriers of every style's headers, each field at its edges. */
const edgeCarrier = fc.record(
  {
    traceparent: fc.oneof(
      fc.tuple(hex(32), hex(16), hex(2)).map(([t, s, f]) => `00-${t}-${s}-${f}`),
      fc.tuple(hex(16), hex(16)).map(([t, s]) => `00-${"0".repeat(16)}${t}-${s}-01`),
    ),
    tracestate,
    baggage,
    "x-datadog-trace-id": edgeId,
    "x-datadog-parent-id": edgeId,
    "x-datadog-sampling-priority": fc.constantFrom("-1", "0", "1", "2", "-0", "3", "9007199254740993"),
    "x-datadog-origin": fc.constantFrom("rum", "synthetics", "a=b", "a~b", "x".repeat(300)),
    "x-datadog-tags": datadogTags,
    b3: fc.oneof(
      fc.tuple(hex(32), hex(16)).map(([t, s]) => `${t}-${s}-1`),
      fc.tuple(hex(16), hex(16)).map(([t, s]) => `${t}-${s}`),
      fc.constantFrom("0", "1", "d", ""),
    ),
    "x-b3-traceid": fc.oneof(hex(32), hex(16)),
    "x-b3-spanid": hex(16),
    "x-b3-sampled": fc.constantFrom("0", "1", "true", "d"),
    "x-b3-flags": fc.constantFrom("1", "0"),
  },
  { requiredKeys: [] },
);

const styleList = fc.oneof(
  fc.constant(undefined),
  fc.uniqueArray(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
  fc.uniqueArray(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 4 }).map((list) => list.join(",")),
);
const options: fc.Arbitrary<CreatePropagatorOptions> = fc.record(
  {
    extractFirst: fc.boolean(),
    extractBehavior: fc.constantFrom("continue", "restart", "ignore"),
    tagsMaxLength: fc.constantFrom(0, 1, 20, 64, 512, 10000),
  },
  { requiredKeys: [] },
);

const propagators = new Map<string, TextMapPropagator>();
function propagatorOf(styles: string | string[] | undefined, given: CreatePropagatorOptions) {
  const key = JSON.stringify([styles, given]);
  let propagator = propagators.get(key);
  if (propagator === undefined) {
    propagator = createPropagator(styles, given);
    propagators.set(key, propagator);
  }
  return propagator;
}

const READERS: ((p: TextMapPropagator, carrier: unknown) => Context | undefined)[] = [
  (p, c) =>
    typeof c === "object" && c !== null ? p.extract(ROOT_CONTEXT, c, defaultTextMapGetter) : undefined,
  (p, c) => p.extract(ROOT_CONTEXT, c, amqpHeadersGetter),
  (p, c) => p.extract(ROOT_CONTEXT, c, kafkaHeadersGetter),
  (p, c) => contextFromCarrier(c, { propagator: p }),
  (p, c) => contextFromAmqpHeaders(c, { propagator: p }),
  (p, c) => contextFromKafkaHeaders(c, { propagator: p }),
];

describe("every createPropagator configuration", () => {
  test("extract never throws and accepts only valid contexts; what it writes back is clean and within the limits", () => {
    const warnings = watchDiagWarnings();
    try {
      fc.assert(
        fc.property(
          styleList,
          options,
          fc.oneof(
            { weight: 4, arbitrary: edgeCarrier as fc.Arbitrary<unknown> },
            { weight: 1, arbitrary: anyCarrierInput },
            { weight: 1, arbitrary: oddHeaders as fc.Arbitrary<unknown> },
            { weight: 1, arbitrary: nearlyValidCarrier as fc.Arbitrary<unknown> },
          ),
          fc.nat(READERS.length - 1),
          (styles, given, carrier, reader) => {
            const propagator = propagatorOf(styles, given);
            const limits = { tagsMaxLength: given.tagsMaxLength ?? 512 };
            warnings.messages.length = 0;
            const ctx = READERS[reader]!(propagator, carrier);
            if (ctx === undefined) return;
            assertNoPrototypePollution();
            assertValidExtraction(ctx);
            const written: Record<string, string> = {};
            propagator.inject(ctx, written, defaultTextMapSetter);
            assertCleanCarrier(written, limits);
            assert.deepEqual(injectFailures(warnings.messages), []);
            const captured = captureCarrier({ context: ctx, propagator });
            assertCleanCarrier(captured, limits);
            assert.ok(
              storedCarrierBytes(captured) <= MAX_STORED_CARRIER_BYTES,
              `captured ${storedCarrierBytes(captured)} bytes`,
            );
            for (const headers of [
              injectAmqpHeaders({}, { context: ctx, propagator }),
              injectKafkaHeaders({}, { context: ctx, propagator }),
            ])
              assertCleanCarrier(headers as Record<string, unknown>, limits);
          },
        ),
        runParameters(400),
      );
    } finally {
      warnings.stop();
    }
  });
});
