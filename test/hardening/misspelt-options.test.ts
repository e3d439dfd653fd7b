// Options with a name the function does not have (a misspelt `relaton`, `spansfile`) or a value it does
// not take: JavaScript callers get no compile error, and each of these was accepted without a word and
// did nothing (a fresh user's report). Every entry point that takes an options object answers with a
// TypeError naming the unknown option and listing the known ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  DatadogPropagator,
  DatadogTraceContextPropagator,
  LinkAwareSampler,
  RestoredRootSampler,
  setDatadogContext,
  setRestoreDefaults,
  startTracing,
  traced,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
} from "../../src/messaging/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { JsonLinesFileSpanExporter } from "../../src/tracing/JsonLinesFileSpanExporter.js";
import { resolveTracingConfig } from "../../src/tracing/tracing-config.js";
import { describeValue } from "../../src/describe-value.js";

const TP = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
const messaging = { system: "kafka", destination: "jobs" };
const fn = () => 1;

const cases: [label: string, call: () => unknown, message: RegExp][] = [
  [
    "withCarrier relaton",
    () => withCarrier(TP, "x", fn, { relaton: "link" } as never),
    /^tracehop withCarrier: there is no option "relaton"; the options are propagator, kind, attributes, relation, maxParentAge, capturedAt, attempt, run, links$/,
  ],
  [
    "withBatchItem kindd",
    () => withBatchItem(TP, "x", fn, { kindd: 4 } as never),
    /withBatchItem: there is no option "kindd"/,
  ],
  [
    "withBatch carierFrom",
    () => withBatch([TP], "x", fn, { carierFrom: () => TP } as never),
    /withBatch: there is no option "carierFrom"; the options are propagator, kind, attributes, links, carrierFrom, root$/,
  ],
  ["traced kindd", () => traced({ kindd: 4 } as never), /traced: there is no option "kindd"/],
  [
    "captureCarrier propogator",
    () => captureCarrier({ propogator: createPropagator("datadog") } as never),
    /captureCarrier: there is no option "propogator"; the options are context, propagator, baggage$/,
  ],
  [
    "captureCarrier given a style name",
    () => captureCarrier("datadog" as never),
    /captureCarrier: options must be an object such as \{ propagator: createPropagator\("datadog"\) \}, got "datadog"/,
  ],
  [
    "contextFromCarrier given a style name",
    () => contextFromCarrier(TP, "datadog" as never),
    /contextFromCarrier: options must be an object/,
  ],
  [
    "injectKafkaHeaders names itself",
    () => injectKafkaHeaders({}, { propagator: "datadog" as never }),
    /^tracehop injectKafkaHeaders: propagator must be a TextMapPropagator/,
  ],
  [
    "withSendSpan creationContex",
    () => withSendSpan({ ...messaging, creationContex: TP } as never, fn),
    /withSendSpan: there is no option "creationContex"/,
  ],
  [
    "withSendSpan forward value",
    () => withSendSpan({ ...messaging, creationContext: TP, forward: "creation" as never }, fn),
    /withSendSpan: forward must be "send-span" or "creation-context", got "creation"/,
  ],
  [
    "withProcessSpan relaton",
    () => withProcessSpan(TP, { ...messaging, relaton: "link" } as never, fn),
    /withProcessSpan: there is no option "relaton"/,
  ],
  [
    "withBatchProcessSpan headerFrom",
    () => withBatchProcessSpan([TP], { ...messaging, headerFrom: (m: unknown) => m } as never, fn),
    /withBatchProcessSpan: there is no option "headerFrom"/,
  ],
  [
    "startTracing spansfile",
    () => resolveTracingConfig({ spansfile: "/tmp/x" } as never),
    /^tracehop startTracing: there is no option "spansfile"; the options are serviceName, .*spansFile, otlpEndpoint/,
  ],
  [
    "createPropagator extractBehaviour",
    () => createPropagator(["datadog"], { extractBehaviour: "restart" } as never),
    /createPropagator: there is no option "extractBehaviour"; the options are tagsMaxLength, extractFirst, extractBehavior$/,
  ],
  [
    "DatadogPropagator typo",
    () => new DatadogPropagator({ tagMaxLength: 1 } as never),
    /DatadogPropagator: there is no option "tagMaxLength"; the options are tagsMaxLength$/,
  ],
  [
    "setRestoreDefaults relaton",
    () => setRestoreDefaults({ relaton: "link" } as never),
    /setRestoreDefaults: there is no option "relaton"; the options are relation, maxParentAge$/,
  ],
];

for (const [label, call, message] of cases)
  test(`${label}: a TypeError that names the option`, () => {
    assert.throws(call, (err: unknown) => err instanceof TypeError && message.test(err.message));
  });

test("the options as documented are still accepted", () => {
  assert.equal(withCarrier(TP, "x", fn, { relation: "link", attempt: 2 }), 1);
  assert.equal(withBatch([TP], "x", fn, { carrierFrom: (m) => m, root: true }), 1);
  assert.equal(withSendSpan({ ...messaging, creationContext: TP, forward: "creation-context" }, fn), 1);
  assert.ok(createPropagator(["datadog"], { extractBehavior: "restart", extractFirst: false }));
  assert.deepEqual(captureCarrier(null as never), {});
});

// The "got …" of a bad value says what was given, and never throws on its own: JSON.stringify of a
// bigint threw "Do not know how to serialize a BigInt" instead of the message, a boxed `new Number(5)`
// was shown as `5` (as if 5 were refused), and String of a null-prototype object threw.
const TAGS_MAX_LENGTH =
  "tagsMaxLength must be a non-negative integer of at most 9007199254740991 (Number.MAX_SAFE_INTEGER; " +
  "the x-datadog-tags limit in characters, default 512, 0 turns tag propagation off), got ";
const described: [label: string, call: () => unknown, message: string, name?: string][] = [
  [
    "createPropagator tagsMaxLength 5n",
    () => createPropagator("datadog", { tagsMaxLength: 5n } as never),
    `tracehop createPropagator: ${TAGS_MAX_LENGTH}5n`,
  ],
  [
    "DatadogPropagator tagsMaxLength 5n",
    () => new DatadogPropagator({ tagsMaxLength: 5n } as never),
    `tracehop DatadogPropagator: ${TAGS_MAX_LENGTH}5n`,
  ],
  [
    "createPropagator tagsMaxLength new Number(5)",
    () => createPropagator("datadog", { tagsMaxLength: new Number(5) } as never),
    `tracehop createPropagator: ${TAGS_MAX_LENGTH}a Number object`,
  ],
  [
    "createPropagator extractFirst 1n",
    () => createPropagator("datadog", { extractFirst: 1n } as never),
    "tracehop createPropagator: extractFirst must be true or false, got 1n",
  ],
  [
    "createPropagator extractFirst new Boolean(true)",
    () => createPropagator("datadog", { extractFirst: new Boolean(true) } as never),
    "tracehop createPropagator: extractFirst must be true or false, got a Boolean object",
  ],
  [
    "createPropagator extractBehavior: a long string is cut",
    () => createPropagator("datadog", { extractBehavior: "x".repeat(100) } as never),
    `tracehop createPropagator: extractBehavior must be "continue", "restart" or "ignore", got "${"x".repeat(40)}"… (100 characters)`,
  ],
  [
    "createPropagator extractBehavior new String",
    () => createPropagator("datadog", { extractBehavior: new String("restart") } as never),
    'tracehop createPropagator: extractBehavior must be "continue", "restart" or "ignore", got a String object',
  ],
  [
    "startTracing serviceVersion 2n",
    () => resolveTracingConfig({ serviceName: "svc", serviceVersion: 2n } as never),
    "tracehop startTracing: options.serviceVersion must be a string that is not empty or blank, got 2n",
  ],
  [
    "withCarrier maxParentAge 5n",
    () => withCarrier(TP, "x", fn, { maxParentAge: 5n } as never),
    "tracehop withCarrier: maxParentAge must be a finite number of milliseconds >= 0, got 5n",
  ],
  [
    "withSendSpan forward 1n",
    () => withSendSpan({ ...messaging, forward: 1n } as never, fn),
    'tracehop withSendSpan: forward must be "send-span" or "creation-context", got 1n',
  ],
  [
    "traceCarrierExtension field 1n",
    () => traceCarrierExtension({ field: 1n } as never),
    "tracehop traceCarrierExtension: field must be a non-empty string, got 1n",
  ],
  [
    "traceCarrierExtension maxCarrierBytes 5n",
    () => traceCarrierExtension({ maxCarrierBytes: 5n } as never),
    "tracehop traceCarrierExtension: maxCarrierBytes must be a number, a positive integer (bytes of JSON text), got 5n",
  ],
  [
    "traceCarrierExtension baggage 1n",
    () => traceCarrierExtension({ baggage: 1n } as never),
    'tracehop traceCarrierExtension: baggage must be "none", "all" or an array of baggage keys, got 1n',
  ],
  [
    "JsonLinesFileSpanExporter path: a null-prototype object",
    () => new JsonLinesFileSpanExporter(Object.create(null) as never),
    "tracehop JsonLinesFileSpanExporter: path must be a non-empty string, got an object",
  ],
];

for (const [label, call, message, name = "TypeError"] of described)
  test(`${label}: the message describes the value`, () => {
    assert.throws(call, { name, message });
  });

// An options object must be a plain one (or have no prototype): the own fields of a Map, a Date, an
// array or a class instance are not its options, and such a value was taken as no options at all
// (createPropagator("datadog", new Map([["tagsMaxLength", -1]])) was accepted).
class Defaults {
  relation = "link";
}
const notPlain: [label: string, call: () => unknown, message: string][] = [
  [
    "createPropagator given a Map",
    () => createPropagator("datadog", new Map([["tagsMaxLength", -1]]) as never),
    "tracehop createPropagator: options must be a plain object, got a Map",
  ],
  [
    "createPropagator given an array",
    () => createPropagator("datadog", [] as never),
    "tracehop createPropagator: options must be a plain object, got an array",
  ],
  [
    "DatadogPropagator given a Map",
    () => new DatadogPropagator(new Map([["tagsMaxLength", -1]]) as never),
    "tracehop DatadogPropagator: options must be a plain object, got a Map",
  ],
  [
    "DatadogPropagator given a string",
    () => new DatadogPropagator("datadog" as never),
    'tracehop DatadogPropagator: options must be a plain object, got "datadog"',
  ],
  [
    "withCarrier given a Date",
    () => withCarrier(TP, "x", fn, new Date() as never),
    "tracehop withCarrier: options must be a plain object, got a Date",
  ],
  [
    "captureCarrier given a Map",
    () => captureCarrier(new Map() as never),
    "tracehop captureCarrier: options must be a plain object, got a Map",
  ],
  [
    "setRestoreDefaults given a class instance",
    () => setRestoreDefaults(new Defaults() as never),
    "tracehop setRestoreDefaults: options must be a plain object, got a Defaults",
  ],
  [
    "withSendSpan given a Map with the fields",
    () => withSendSpan(Object.assign(new Map(), messaging) as never, fn),
    "tracehop withSendSpan: options must be a plain object, got a Map",
  ],
  [
    "startTracing given a Map",
    () => resolveTracingConfig(new Map([["serviceName", "svc"]]) as never),
    "tracehop startTracing: options must be a plain object, got a Map",
  ],
  [
    "startTracing batch given a Map",
    () => resolveTracingConfig({ serviceName: "svc", batch: new Map() as never }),
    "tracehop startTracing: options.batch must be a plain object, got a Map",
  ],
  [
    "traceCarrierExtension given a Map",
    () => traceCarrierExtension(new Map([["field", "carrier"]]) as never),
    "tracehop traceCarrierExtension: options must be a plain object, got a Map",
  ],
];

for (const [label, call, message] of notPlain)
  test(`${label}: a TypeError that names what was given`, () => {
    assert.throws(call, { name: "TypeError", message });
  });

// An options object of another realm (a vm context's literal) or whose prototype is another object
// (Object.create({ kind })) is refused (src/plain-object.ts says why); "got an Object" did not say what
// was wrong with it. The message names what it is and what to pass instead, at every entry point.
const FOREIGN =
  "an object of another realm (a vm context): pass a plain object literal made in this realm ({ ...object } copies it)";
const INHERITED =
  "an object whose prototype is not Object.prototype (Object.create(...)): its fields are inherited, not its own; " +
  "pass an object literal of the fields ({ ...object } copies its own fields alone)";
const strangeOptions: [label: string, make: (fields: object) => object][] = [
  ["of another realm", (fields) => runInNewContext("({ ...fields })", { fields }) as object],
  ["with an inherited prototype", (fields) => Object.create(fields) as object],
];
for (const [label, make] of strangeOptions)
  test(`options ${label}: the TypeError says what the object is and what to pass`, () => {
    const got = label === "of another realm" ? FOREIGN : INHERITED;
    const calls: [where: string, call: () => unknown][] = [
      ["tracehop withCarrier: options", () => withCarrier(TP, "x", fn, make({ kind: 4 }) as never)],
      [
        "tracehop createPropagator: options",
        () => createPropagator("datadog", make({ extractFirst: true }) as never),
      ],
      [
        "tracehop DatadogPropagator: options",
        () => new DatadogPropagator(make({ tagsMaxLength: 5 }) as never),
      ],
      ["tracehop captureCarrier: options", () => captureCarrier(make({ context: ROOT_CONTEXT }) as never)],
      ["tracehop withSendSpan: options", () => withSendSpan(make({ ...messaging }) as never, fn)],
      [
        "tracehop traceCarrierExtension: options",
        () => traceCarrierExtension(make({ maxCarrierBytes: 300 }) as never),
      ],
      [
        "tracehop startTracing: options.batch",
        () => resolveTracingConfig({ serviceName: "s", batch: make({}) } as never),
      ],
      [
        "tracehop withCarrier: attributes must be a plain object",
        () => withCarrier(TP, "x", fn, { attributes: make({ "job.id": 1 }) } as never),
      ],
      [
        "tracehop traceCarrierExtension: models must be",
        () => traceCarrierExtension({ models: make({ PreprocessJob: "traceContext" }) } as never),
      ],
      [
        "tracehop startTracing: options.resourceAttributes",
        () => resolveTracingConfig({ serviceName: "s", resourceAttributes: make({}) } as never),
      ],
    ];
    for (const [where, call] of calls)
      assert.throws(call, (error: Error) => {
        assert.equal(error.name, "TypeError");
        assert.ok(error.message.startsWith(where), error.message);
        assert.ok(error.message.endsWith(`, got ${got}`), error.message);
        return true;
      });
  });

test("options objects without a prototype are still accepted", () => {
  const options = <T extends object>(fields: T): T => Object.assign(Object.create(null) as T, fields);
  assert.ok(createPropagator("datadog", options({ tagsMaxLength: 10, extractFirst: true })));
  assert.ok(new DatadogPropagator(options({ tagsMaxLength: 10 })));
  assert.equal(withCarrier(TP, "x", fn, options({ relation: "link" as const })), 1);
  assert.deepEqual(captureCarrier(options({})), {});
  assert.equal(withSendSpan(options({ ...messaging }), fn), 1);
  assert.equal(
    resolveTracingConfig(options({ serviceName: "svc" })).resourceAttributes["service.name"],
    "svc",
  );
});

// Options that are not an object at all — null, a number, a string, an array — from an untyped caller:
// each entry point answers with a TypeError that names itself and says what it got. Guards against
// failing with the engine's own TypeError (`new DatadogPropagator(null)`: "Cannot read properties of
// null (reading 'tagsMaxLength')", setRestoreDefaults(null), `new DatadogTraceContextPropagator(null)`)
// or took the value without a word (`new DatadogTraceContextPropagator(5)`), and the messaging helpers
// given an array asked for options.system. `undefined` is no options wherever the options are
// optional. The carrier functions (captureCarrier, contextFromCarrier, the kafka/amqp header helpers)
// take null as no options too (test/roundtrip/capture-restore.test.ts, "untyped callers").
const NOT_OPTIONS: readonly unknown[] = [null, 5, "x", []];
const CARRIER_FUNCTIONS_REFUSE: readonly unknown[] = [5, "x", []];
const entryPoints: [where: string, call: (options: never) => unknown, refused?: readonly unknown[]][] = [
  ["tracehop DatadogPropagator", (o) => new DatadogPropagator(o)],
  ["tracehop createPropagator", (o) => createPropagator("datadog", o)],
  ["tracehop createPropagator", (o) => createPropagator(undefined, o)],
  ["tracehop DatadogTraceContextPropagator", (o) => new DatadogTraceContextPropagator(o)],
  ["tracehop captureCarrier", (o) => captureCarrier(o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop contextFromCarrier", (o) => contextFromCarrier(TP, o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop withCarrier", (o) => withCarrier(TP, "x", fn, o)],
  ["tracehop traced", (o) => traced(o)],
  ["tracehop withBatch", (o) => withBatch([TP], "x", fn, o)],
  ["tracehop withBatchItem", (o) => withBatchItem(TP, "x", fn, o)],
  ["tracehop setRestoreDefaults", (o) => setRestoreDefaults(o)],
  // Not options but the fields to set: refused the same way (null gave the engine's TypeError; 5 and "x" were no fields).
  [
    "tracehop setDatadogContext",
    (o) => setDatadogContext(ROOT_CONTEXT, o),
    [null, undefined, 5, "x", [], true],
  ],
  ["tracehop startTracing", (o) => startTracing(o)],
  ["tracehop LinkAwareSampler", (o) => new LinkAwareSampler(o)],
  ["tracehop RestoredRootSampler", (o) => new RestoredRootSampler(o)],
  ["tracehop JsonLinesFileSpanExporter", (o) => new JsonLinesFileSpanExporter(o), [null, 5, []]],
  ["tracehop injectKafkaHeaders", (o) => injectKafkaHeaders({}, o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop contextFromKafkaHeaders", (o) => contextFromKafkaHeaders({}, o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop injectAmqpHeaders", (o) => injectAmqpHeaders({}, o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop contextFromAmqpHeaders", (o) => contextFromAmqpHeaders({}, o), CARRIER_FUNCTIONS_REFUSE],
  ["tracehop withSendSpan", (o) => withSendSpan(o, fn)],
  ["tracehop withProcessSpan", (o) => withProcessSpan(TP, o, fn)],
  ["tracehop withBatchProcessSpan", (o) => withBatchProcessSpan([TP], o, fn)],
  ["tracehop traceCarrierExtension", (o) => traceCarrierExtension(o)],
];

test("options that are not an object: a TypeError naming the entry point and what was given", () => {
  const wrong: string[] = [];
  for (const [where, call, refused = NOT_OPTIONS] of entryPoints)
    for (const value of refused) {
      const shown = describeValue(value);
      try {
        call(value as never);
        wrong.push(`${where}: ${shown} was accepted`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (!(err instanceof TypeError) || !message.startsWith(where) || !message.includes(shown))
          wrong.push(`${where}: ${shown} gave ${err instanceof Error ? err.name : typeof err}: ${message}`);
      }
    }
  assert.deepEqual(wrong, []);
});

test("setRestoreDefaults() without options resets, as setRestoreDefaults({}) does", () => {
  setRestoreDefaults({ relation: "link", maxParentAge: 1000 });
  assert.deepEqual(setRestoreDefaults(), { relation: "link", maxParentAge: 1000 });
  assert.deepEqual(setRestoreDefaults({}), { relation: "parent", maxParentAge: 5 * 60 * 1000 });
});
