// Property-based tests (fast-check) over every extractor reachable through the public API: they never
// throw, what they accept is valid, and inject after extract is stable.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import fc from "fast-check";
import { captureCarrier, contextFromCarrier, createPropagator, getDatadogContext } from "../../src/index.js";
import {
  amqpHeadersGetter,
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  kafkaHeadersGetter,
} from "../../src/messaging/index.js";
import {
  anyCarrierInput,
  contextOfInjection,
  damagedCarrier,
  forbiddenCharIn,
  hostileInjection,
  nearlyValidCarrier,
  oddCarrier,
  oddHeaders,
  respelled,
  runParameters,
  validCarrier,
  type ForbiddenCharField,
  type OneForbiddenChar,
  type ValueReader,
} from "./arbitraries.js";
import {
  assertCleanCarrier,
  assertNoPrototypePollution,
  injectFailures,
  watchDiagWarnings,
  assertOneSamplingDecision,
  type CarrierLimits,
  assertValidExtraction,
  propagatedState,
} from "./checks.js";

/**
 * Runs per property: enough to find the classic bugs, bounded to keep each test within seconds
 * (`FC_NUM_RUNS` / `FC_SEED` for long local runs, arbitraries.ts `runParameters`).
 */
const RUNS = 300;
const PARAMETERS = runParameters(RUNS);

interface Extractor {
  name: string;
  extract: (carrier: unknown) => Context;
  /** Writes what `extract` read back in the same form (a carrier the same extractor reads). */
  reinject: (ctx: Context) => unknown;
  /**
   * For an extractor that promises to take any value as the carrier and to read names in any case and
   * each value form of this reader as its text (arbitraries.ts `sameTextAs`): the carrier-reading entry
   * points and the messaging getters. Absent for a propagator with the default getter, which indexes the
   * carrier (`carrier[key]`) as given and is given objects only.
   */
  reads?: ValueReader;
}

/** `createPropagator(styles)` with the default getter, or with a messaging getter that `reads` values. */
function styleExtractor(
  styles: string[] | undefined,
  via?: { getterName: string; getter: TextMapGetter; reads: ValueReader },
): Extractor {
  const propagator = styles === undefined ? createPropagator() : createPropagator(styles);
  const getter = via?.getter ?? defaultTextMapGetter;
  const call = styles === undefined ? "createPropagator()" : `createPropagator(${JSON.stringify(styles)})`;
  return {
    name: via ? `${call} with ${via.getterName}` : call,
    extract: (carrier) => propagator.extract(ROOT_CONTEXT, carrier, getter),
    reinject: (ctx) => {
      const carrier: Record<string, string> = {};
      propagator.inject(ctx, carrier, defaultTextMapSetter);
      return carrier;
    },
    reads: via?.reads,
  };
}

const EXTRACTORS: Extractor[] = [
  styleExtractor(["datadog"]),
  styleExtractor(["tracecontext"]),
  styleExtractor(["baggage"]),
  styleExtractor(["b3"]),
  styleExtractor(["b3multi"]),
  styleExtractor(undefined),
  styleExtractor(undefined, { getterName: "kafkaHeadersGetter", getter: kafkaHeadersGetter, reads: "kafka" }),
  styleExtractor(undefined, { getterName: "amqpHeadersGetter", getter: amqpHeadersGetter, reads: "amqp" }),
  {
    name: "contextFromCarrier",
    extract: (carrier) => contextFromCarrier(carrier),
    reinject: (ctx) => captureCarrier({ context: ctx }),
    reads: "stored",
  },
  {
    name: "contextFromKafkaHeaders",
    extract: (headers) => contextFromKafkaHeaders(headers),
    reinject: (ctx) => injectKafkaHeaders({}, { context: ctx }),
    reads: "kafka",
  },
  {
    name: "contextFromAmqpHeaders",
    extract: (headers) => contextFromAmqpHeaders(headers),
    reinject: (ctx) => injectAmqpHeaders({}, { context: ctx }),
    reads: "amqp",
  },
];

/**
 * Inputs the default getter can be given by a caller: objects (a `null` carrier is the caller's bug),
 * odd spellings of names and values included, and valid headers but for one forbidden character.
 */
const objectCarrier = fc.oneof(validCarrier, damagedCarrier, oddCarrier, nearlyValidCarrier);

/** The first property: `extract` does not throw, and what it accepts is valid. */
function checkValid(extractor: Extractor, carrier: unknown): void {
  const ctx = extractor.extract(carrier);
  assertValidExtraction(ctx);
}

/** The second property: extract(inject(extract(c))) equals extract(c). */
function checkStable(extractor: Extractor, carrier: unknown): void {
  const first = extractor.extract(carrier);
  const written = extractor.reinject(first);
  assertCleanCarrier(written as Record<string, unknown>);
  const second = extractor.extract(written);
  // A context without a span context (nothing valid, or a Datadog restored root with parent id 0:
  // system-tests Test_Synthetics_APM_Datadog, docs/restore.md) has nothing to re-inject until a span is
  // started in it.
  if (trace.getSpanContext(first) === undefined) return;
  assert.deepEqual(propagatedState(second), propagatedState(first));
}

/**
 * Inputs on which a property failed once (found with 10^5-10^6 runs; at {@link RUNS} runs each showed
 * up in well under 1% of test runs), checked on every run:
 * - B3 ids in upper case or of a length other than 16/32 (`@opentelemetry/propagator-b3` accepted
 *   `x-b3-traceid: "A"` as trace id `0000…000A`, an upper-case id that is no valid traceparent id);
 * - `x-datadog-sampling-priority: -0` (bytes `2d 30`, decoded by the Buffer-reading extractors), read as
 *   the number -0, which `deepStrictEqual` tells from the 0 it is written back as;
 * - the two below the comment in the list, found by the widened generators.
 */
const COUNTEREXAMPLES: unknown[] = [
  { "x-b3-spanid": "000000000000000c", "x-b3-traceid": "A" },
  { "x-b3-spanid": "0000000000000002", "x-b3-traceid": ["A"] },
  {
    "x-b3-traceid": "0AF7651916CD43DD8448EB211C80319C",
    "x-b3-spanid": "B7AD6B7169203331",
    "x-b3-sampled": "1",
  },
  { b3: "0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-1" },
  { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1", "x-datadog-sampling-priority": Buffer.from("-0") },
  { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1", "x-datadog-sampling-priority": "-0" },
  { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "dd=s:-0" },
  // Found by the widened generators against dd-trace (interop "odd Datadog headers"): a priority with
  // leading zeros, and a `_dd.p.` key with no tag name (datadog-codecs.test.ts pins their values).
  { "x-datadog-trace-id": "1", "x-datadog-parent-id": "0", "x-datadog-sampling-priority": "00000000000" },
  { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1", "x-datadog-tags": "_dd.p.=x" },
];

for (const extractor of EXTRACTORS) {
  // The default getter indexes the carrier (`carrier[key]`): only the carrier-reading entry points and
  // the messaging getters (the extractors that say what they `reads`) promise to accept any value; the
  // propagators get objects.
  const inputs = extractor.reads === undefined ? objectCarrier : anyCarrierInput;

  describe(`${extractor.name}: properties`, () => {
    test("never throws, and what it accepts is valid", () => {
      fc.assert(
        fc.property(inputs, (carrier) => checkValid(extractor, carrier)),
        PARAMETERS,
      );
      assertNoPrototypePollution();
    });

    test("inject after extract is stable: extract(inject(extract(c))) equals extract(c)", () => {
      fc.assert(
        fc.property(inputs, (carrier) => checkStable(extractor, carrier)),
        PARAMETERS,
      );
    });

    test("both properties hold on the counterexamples found earlier", () => {
      for (const carrier of COUNTEREXAMPLES) {
        checkValid(extractor, carrier);
        checkStable(extractor, carrier);
      }
    });
  });
}

describe("the same headers spelt differently are read the same", () => {
  // Names in any case (RFC 9110 §5.1), a value as a one-element array (a repeated-field list of one),
  // as the UTF-8 bytes of its text or as a number whose decimal text it is: the stored-carrier reader
  // and the message getters promise to read each as the string (`normalizeCarrier`, src/carrier/normalize-carrier.ts).
  const carriers = fc.oneof(validCarrier, oddHeaders, nearlyValidCarrier);
  for (const extractor of EXTRACTORS) {
    if (extractor.reads === undefined) continue;
    const inputs = respelled(carriers, extractor.reads);
    test(`${extractor.name}: respelled headers give the context of the lower-case string carrier`, () => {
      fc.assert(
        fc.property(inputs, ({ original, respelled }) => {
          assert.deepEqual(
            propagatedState(extractor.extract(respelled)),
            propagatedState(extractor.extract(original)),
          );
        }),
        PARAMETERS,
      );
    });
  }

  test("contextFromCarrier: JSON text of a respelled carrier (string and array values) reads as the carrier", () => {
    // Names in any case, each value the string or a one-element array: what JSON text can hold.
    fc.assert(
      fc.property(respelled(carriers, "json"), ({ original, respelled }) => {
        assert.deepEqual(
          propagatedState(contextFromCarrier(JSON.stringify(respelled))),
          propagatedState(contextFromCarrier(original)),
        );
      }),
      PARAMETERS,
    );
  });
});

describe("valid carriers are accepted", () => {
  test("a traceparent written by tracehop is always read back by every W3C-reading extractor", () => {
    fc.assert(
      fc.property(validCarrier, (carrier) => {
        if (carrier.traceparent === undefined || /-0{32}-|-0{16}-/.test(carrier.traceparent)) return;
        const ctx = contextFromCarrier({ traceparent: carrier.traceparent });
        assert.notDeepEqual(propagatedState(ctx), propagatedState(ROOT_CONTEXT));
      }),
      PARAMETERS,
    );
  });
});

/**
 * What each field's header gives, read from the context of its `clean` and its `damaged` carrier
 * (arbitraries.ts `forbiddenCharIn`): the clean one is read (so the generator stays valid around the bad
 * character), the damaged one is refused as its grammar says, or, for an escaped baggage character,
 * read with the character. `style` is the one style that reads the field.
 */
const FORBIDDEN_CHAR_MODELS: Record<
  ForbiddenCharField,
  { style: string; check: (clean: Context, damaged: Context, sample: OneForbiddenChar) => void }
> = {
  // Trace Context §3.2.2: 55 characters of lower-case hex and dashes, OWS around them only.
  traceparent: {
    style: "tracecontext",
    check: (clean, damaged) => {
      assert.notEqual(trace.getSpanContext(clean), undefined);
      assert.equal(trace.getSpanContext(damaged), undefined);
    },
  },
  // Trace Context §3.3.1.3 / processing model §4.3: one invalid list-member discards the whole header.
  "tracestate key": { style: "tracecontext", check: checkTracestateRefused },
  "tracestate value": { style: "tracecontext", check: checkTracestateRefused },
  "dd= member value": { style: "tracecontext", check: checkTracestateRefused },
  // Baggage §3.2.1: a member whose value is not baggage-octets is skipped alone.
  "baggage value": {
    style: "baggage",
    check: (clean, damaged, { target, value }) => {
      assert.equal(propagation.getBaggage(clean)?.getEntry(target!)?.value, value);
      assert.equal(propagation.getBaggage(damaged)?.getEntry(target!), undefined);
    },
  },
  // Baggage §3.2.1.3: a percent-encoded character is the value's (written back encoded, checkStable).
  "baggage value, escaped": {
    style: "baggage",
    check: (clean, damaged, { target, value, readAs }) => {
      assert.equal(propagation.getBaggage(clean)?.getEntry(target!)?.value, value);
      assert.equal(propagation.getBaggage(damaged)?.getEntry(target!)?.value, readAs);
    },
  },
  // An id is 1-20 decimal digits, nothing else (ids.ts `decimalToHex16`: dd-trace-java `LongStringUtils`).
  "x-datadog-trace-id": { style: "datadog", check: checkDatadogIdRefused },
  "x-datadog-parent-id": { style: "datadog", check: checkDatadogIdRefused },
  // Any malformed member drops every tag (tags.ts `decodeTagsHeader`, dd-trace-java `DatadogPTagsCodec`).
  "x-datadog-tags key": { style: "datadog", check: checkTagsRefused },
  "x-datadog-tags value": { style: "datadog", check: checkTagsRefused },
  // An origin is printable ASCII; another one is dropped alone (DatadogPropagator `isValidOrigin`).
  "x-datadog-origin": {
    style: "datadog",
    check: (clean, damaged, { value }) => {
      assert.equal(getDatadogContext(clean)?.origin, value);
      assert.notEqual(trace.getSpanContext(damaged), undefined);
      assert.equal(getDatadogContext(damaged)?.origin, undefined);
    },
  },
};

/**
 * The tracestate with one forbidden character is discarded whole, the traceparent kept. The Datadog-aware
 * style keeps the clean `dd=` member alone when another member is the damaged one and every member is
 * still `key=value` in shape (a `,` put into a value leaves a piece without `=`: then nothing is kept).
 */
function checkTracestateRefused(
  clean: Context,
  damaged: Context,
  { field, target, value, damaged: carrier }: OneForbiddenChar,
): void {
  assert.equal(trace.getSpanContext(clean)?.traceState?.get(target!), value);
  assert.notEqual(trace.getSpanContext(damaged), undefined, "the valid traceparent is kept");
  const pieces = carrier.tracestate!.split(",").map((piece) => piece.replace(/^[ \t]+|[ \t]+$/g, ""));
  const shaped = pieces.every((piece) => piece === "" || piece.indexOf("=") > 0);
  const cleanDd = trace.getSpanContext(clean)?.traceState?.get("dd");
  const kept = field !== "dd= member value" && shaped && cleanDd !== undefined ? `dd=${cleanDd}` : "";
  assert.equal(trace.getSpanContext(damaged)?.traceState?.serialize() ?? "", kept);
}

function checkDatadogIdRefused(clean: Context, damaged: Context): void {
  assert.notEqual(trace.getSpanContext(clean), undefined);
  assert.equal(trace.getSpanContext(damaged), undefined);
}

function checkTagsRefused(clean: Context, damaged: Context, { target, value }: OneForbiddenChar): void {
  assert.equal(getDatadogContext(clean)?.propagationTags[target!], value);
  assert.notEqual(trace.getSpanContext(damaged), undefined);
  assert.deepEqual(getDatadogContext(damaged)?.propagationTags, {});
}

/** Runs per field: every run puts the forbidden character in, so fewer than {@link RUNS} reach it surely. */
const FORBIDDEN_CHAR_RUNS = 100;

describe("one forbidden character in an otherwise valid header", () => {
  for (const [field, { style, check }] of Object.entries(FORBIDDEN_CHAR_MODELS)) {
    const propagator = createPropagator([style]);
    test(`${field}: refused (or, escaped, read) by the ${style} style and by contextFromCarrier`, () => {
      fc.assert(
        fc.property(forbiddenCharIn[field as ForbiddenCharField], (sample) => {
          check(
            propagator.extract(ROOT_CONTEXT, sample.clean, defaultTextMapGetter),
            propagator.extract(ROOT_CONTEXT, sample.damaged, defaultTextMapGetter),
            sample,
          );
          check(contextFromCarrier(sample.clean), contextFromCarrier(sample.damaged), sample);
        }),
        runParameters(FORBIDDEN_CHAR_RUNS),
      );
    });
  }
});

/** Each way tracehop writes a carrier: every style alone, the default styles, a tags limit, captureCarrier. */
const INJECTORS: {
  name: string;
  inject: (ctx: Context) => Record<string, unknown>;
  limits?: CarrierLimits;
}[] = [
  ...(["datadog", "tracecontext", "baggage", "b3", "b3multi"] as const).map((style) => {
    const propagator = createPropagator([style]);
    return { name: `createPropagator(["${style}"])`, inject: injectWith(propagator) };
  }),
  { name: "createPropagator()", inject: injectWith(createPropagator()) },
  {
    name: 'createPropagator(["datadog", "tracecontext"], { tagsMaxLength: 48 })',
    inject: injectWith(createPropagator(["datadog", "tracecontext"], { tagsMaxLength: 48 })),
    limits: { tagsMaxLength: 48 },
  },
  { name: "captureCarrier", inject: (ctx) => captureCarrier({ context: ctx }) },
  // Every style into one carrier, for the check that its headers agree on sampling.
  {
    name: 'createPropagator(["datadog", "tracecontext", "b3", "b3multi"])',
    inject: injectWith(createPropagator(["datadog", "tracecontext", "b3", "b3multi"])),
  },
];

function injectWith(propagator: TextMapPropagator): (ctx: Context) => Record<string, unknown> {
  return (ctx) => {
    const carrier: Record<string, unknown> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    return carrier;
  };
}

/** Runs of the inject property: each run injects one context with every one of {@link INJECTORS}. */
const INJECT_RUNS = 200;

describe("inject of a context an application built", () => {
  // What the decoders yield is printable ASCII already: here the injected values come straight from
  // setDatadogContext, trace.setSpanContext (any TraceState) and propagation.setBaggage, so the
  // encoders (encodeTagsHeader, encodeDdValue / encodeDdTagKey, the origin check, the baggage encoder,
  // the tracestate re-reading) are what stands between hostile input and the wire.
  test("never throws and writes only headers of their grammar: printable ASCII, within the limits, one sampling decision", () => {
    // A style's throw that createPropagator caught (and warned about) fails the property too.
    const warnings = watchDiagWarnings();
    try {
      fc.assert(
        fc.property(hostileInjection, (injection) => {
          const ctx = contextOfInjection(injection);
          for (const { name, inject, limits } of INJECTORS) {
            try {
              warnings.messages.length = 0;
              const carrier = inject(ctx);
              assert.deepEqual(
                injectFailures(warnings.messages),
                [],
                "a style threw (createPropagator caught it)",
              );
              assertCleanCarrier(carrier, limits);
              assertOneSamplingDecision(carrier);
            } catch (error) {
              if (error instanceof Error) error.message = `${name}: ${error.message}`;
              throw error;
            }
          }
        }),
        { ...runParameters(INJECT_RUNS), includeErrorInReport: true },
      );
    } finally {
      warnings.stop();
    }
  });
});
