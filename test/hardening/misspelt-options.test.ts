// Options with a name the function does not have (a misspelt `relaton`, `spansfile`) or a value it does
// not take: JavaScript callers get no compile error, and each of these was accepted without a word and
// did nothing (a fresh user's report). Every entry point that takes an options object answers with a
// TypeError naming the unknown option and the one it misspells, or listing the known ones.
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
  knownNameHint,
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
import { formatTraceTree, readSpansFile, readSpansSince } from "../../src/spans/index.js";
import { JsonLinesFileSpanExporter } from "../../src/tracing/JsonLinesFileSpanExporter.js";
import { resolveTracingConfig } from "../../src/tracing/tracing-config.js";
import { describeValue } from "../../src/describe-value.js";

const TP = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
const messaging = { system: "kafka", destination: "jobs" };
const fn = () => 1;

const cases: [label: string, call: () => unknown, message: RegExp][] = [
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
    "withSendSpan forward value",
    () => withSendSpan({ ...messaging, creationContext: TP, forward: "creation" as never }, fn),
    /withSendSpan: forward must be "send-span" or "creation-context", got "creation"/,
  ],
];

for (const [label, call, message] of cases)
  test(`${label}: a TypeError that names the option`, () => {
    assert.throws(call, (err: unknown) => err instanceof TypeError && message.test(err.message));
  });

// A misspelt option name: the TypeError says which option was meant when one known name is near it
// (the distance the CLI's "did you mean" allows: 1 edit for a name of three or four characters, 2 for
// five or more, a swap of two letters one edit; read case-insensitively and without `_` and `-`, so
// serviceNAME, service_name and service-name are serviceName), and lists the options when none is. Every entry point that checks its option names, with the exact message.
const WITH_CARRIER_OPTIONS =
  "propagator, kind, attributes, relation, maxParentAge, capturedAt, attempt, run, links";
const misspelt: [label: string, call: () => unknown, message: string][] = [
  [
    "withCarrier relaton",
    () => withCarrier(TP, "x", fn, { relaton: "link" } as never),
    'tracehop withCarrier: there is no option "relaton"; did you mean relation?',
  ],
  [
    "withCarrier Run (case alone)",
    () => withCarrier(TP, "x", fn, { Run: 2 } as never),
    'tracehop withCarrier: there is no option "Run"; did you mean run?',
  ],
  [
    "withCarrier max_parent_age (snake case)",
    () => withCarrier(TP, "x", fn, { max_parent_age: 5 } as never),
    'tracehop withCarrier: there is no option "max_parent_age"; did you mean maxParentAge?',
  ],
  [
    "withCarrier ru: too short for a guess",
    () => withCarrier(TP, "x", fn, { ru: 2 } as never),
    `tracehop withCarrier: there is no option "ru"; the options are ${WITH_CARRIER_OPTIONS}`,
  ],
  [
    "withCarrier parent: nothing near",
    () => withCarrier(TP, "x", fn, { parent: TP } as never),
    `tracehop withCarrier: there is no option "parent"; the options are ${WITH_CARRIER_OPTIONS}`,
  ],
  [
    "withBatchItem kindd",
    () => withBatchItem(TP, "x", fn, { kindd: 4 } as never),
    'tracehop withBatchItem: there is no option "kindd"; did you mean kind?',
  ],
  [
    "withBatch carierFrom",
    () => withBatch([TP], "x", fn, { carierFrom: () => TP } as never),
    'tracehop withBatch: there is no option "carierFrom"; did you mean carrierFrom?',
  ],
  [
    "withBatch relation: not an option of a batch",
    () => withBatch([TP], "x", fn, { relation: "link" } as never),
    'tracehop withBatch: there is no option "relation"; the options are propagator, kind, attributes, links, carrierFrom, root',
  ],
  [
    "traced optionFrom",
    () => traced({ optionFrom: () => ({}) } as never),
    'tracehop traced: there is no option "optionFrom"; did you mean optionsFrom?',
  ],
  [
    "captureCarrier propogator",
    () => captureCarrier({ propogator: createPropagator("datadog") } as never),
    'tracehop captureCarrier: there is no option "propogator"; did you mean propagator?',
  ],
  [
    "captureCarrier ctx: nothing near",
    () => captureCarrier({ ctx: ROOT_CONTEXT } as never),
    'tracehop captureCarrier: there is no option "ctx"; the options are context, propagator, baggage',
  ],
  [
    "contextFromCarrier Context",
    () => contextFromCarrier(TP, { Context: ROOT_CONTEXT } as never),
    'tracehop contextFromCarrier: there is no option "Context"; did you mean context?',
  ],
  [
    "injectKafkaHeaders bagage",
    () => injectKafkaHeaders({}, { bagage: "none" } as never),
    'tracehop injectKafkaHeaders: there is no option "bagage"; did you mean baggage?',
  ],
  [
    "contextFromKafkaHeaders propagater",
    () => contextFromKafkaHeaders({}, { propagater: createPropagator("datadog") } as never),
    'tracehop contextFromKafkaHeaders: there is no option "propagater"; did you mean propagator?',
  ],
  [
    "injectAmqpHeaders contxt",
    () => injectAmqpHeaders({}, { contxt: ROOT_CONTEXT } as never),
    'tracehop injectAmqpHeaders: there is no option "contxt"; did you mean context?',
  ],
  [
    "contextFromAmqpHeaders baggage: not an option of a reader",
    () => contextFromAmqpHeaders({}, { baggage: "all" } as never),
    'tracehop contextFromAmqpHeaders: there is no option "baggage"; the options are context, propagator',
  ],
  [
    "withSendSpan creationContex",
    () => withSendSpan({ ...messaging, creationContex: TP } as never, fn),
    'tracehop withSendSpan: there is no option "creationContex"; did you mean creationContext?',
  ],
  [
    "withSendSpan routing-key (kebab case)",
    () => withSendSpan({ ...messaging, "routing-key": "jobs" } as never, fn),
    'tracehop withSendSpan: there is no option "routing-key"; did you mean routingKey?',
  ],
  [
    // The name is said before the value it leaves missing (was: options.destination must be a string).
    "withProcessSpan destnation, the destination it misspells missing",
    () => withProcessSpan(TP, { system: "rabbitmq", destnation: "q" } as never, fn),
    'tracehop withProcessSpan: there is no option "destnation"; did you mean destination?',
  ],
  [
    "withSendSpan sytem, the system it misspells missing",
    () => withSendSpan({ sytem: "kafka", destination: "jobs" } as never, fn),
    'tracehop withSendSpan: there is no option "sytem"; did you mean system?',
  ],
  [
    "withProcessSpan relaton",
    () => withProcessSpan(TP, { ...messaging, relaton: "link" } as never, fn),
    'tracehop withProcessSpan: there is no option "relaton"; did you mean relation?',
  ],
  [
    "withProcessSpan routingKey: an option of withSendSpan",
    () => withProcessSpan(TP, { ...messaging, routingKey: "jobs" } as never, fn),
    'tracehop withProcessSpan: there is no option "routingKey"; the options are system, destination, operationName, ' +
      "messageId, conversationId, attributes, links, propagator, relation, maxParentAge, capturedAt, attempt, run, bodySize",
  ],
  [
    "withBatchProcessSpan headerFrom",
    () => withBatchProcessSpan([TP], { ...messaging, headerFrom: (m: unknown) => m } as never, fn),
    'tracehop withBatchProcessSpan: there is no option "headerFrom"; did you mean headersFrom?',
  ],
  [
    "startTracing spansfile",
    () => startTracing({ spansfile: "/tmp/x" } as never),
    'tracehop startTracing: there is no option "spansfile"; did you mean spansFile?',
  ],
  [
    "startTracing serviceNAME",
    () => startTracing({ serviceNAME: "svc" } as never),
    'tracehop startTracing: there is no option "serviceNAME"; did you mean serviceName?',
  ],
  [
    "startTracing service_name",
    () => startTracing({ service_name: "svc" } as never),
    'tracehop startTracing: there is no option "service_name"; did you mean serviceName?',
  ],
  [
    "startTracing service-name",
    () => startTracing({ "service-name": "svc" } as never),
    'tracehop startTracing: there is no option "service-name"; did you mean serviceName?',
  ],
  [
    "startTracing SERVICE_NAME",
    () => startTracing({ SERVICE_NAME: "svc" } as never),
    'tracehop startTracing: there is no option "SERVICE_NAME"; did you mean serviceName?',
  ],
  [
    "startTracing exporter: nothing near",
    () => startTracing({ serviceName: "svc", exporter: "otlp" } as never),
    'tracehop startTracing: there is no option "exporter"; the options are serviceName, serviceVersion, environment, ' +
      "resourceAttributes, spansFile, otlpEndpoint, exportTimeoutMillis, batch, propagator, sampler, instrumentations, " +
      "shutdownTimeoutMillis",
  ],
  [
    "startTracing batch maxQueSize",
    () => startTracing({ serviceName: "svc", batch: { maxQueSize: 10 } } as never),
    'tracehop startTracing: options.batch has no option "maxQueSize"; did you mean maxQueueSize?',
  ],
  [
    "startTracing batch exportTimeoutMillis: nothing near",
    () => startTracing({ serviceName: "svc", batch: { exportTimeoutMillis: 10 } } as never),
    'tracehop startTracing: options.batch has no option "exportTimeoutMillis"; its options are maxQueueSize, ' +
      "maxExportBatchSize, scheduledDelayMillis",
  ],
  [
    "createPropagator extractBehaviour",
    () => createPropagator(["datadog"], { extractBehaviour: "restart" } as never),
    'tracehop createPropagator: there is no option "extractBehaviour"; did you mean extractBehavior?',
  ],
  [
    "createPropagator styles: nothing near",
    () => createPropagator(["datadog"], { styles: ["datadog"] } as never),
    'tracehop createPropagator: there is no option "styles"; the options are tagsMaxLength, extractFirst, extractBehavior',
  ],
  [
    "DatadogPropagator tagMaxLength",
    () => new DatadogPropagator({ tagMaxLength: 1 } as never),
    'tracehop DatadogPropagator: there is no option "tagMaxLength"; did you mean tagsMaxLength?',
  ],
  [
    "setRestoreDefaults relaton",
    () => setRestoreDefaults({ relaton: "link" } as never),
    'tracehop setRestoreDefaults: there is no option "relaton"; did you mean relation?',
  ],
  [
    "setRestoreDefaults kind: nothing near",
    () => setRestoreDefaults({ kind: 4 } as never),
    'tracehop setRestoreDefaults: there is no option "kind"; the options are relation, maxParentAge',
  ],
  [
    "traceCarrierExtension modles",
    () => traceCarrierExtension({ modles: ["Outbox"] } as never),
    'tracehop traceCarrierExtension: there is no option "modles"; did you mean models?',
  ],
  [
    "traceCarrierExtension on_update",
    () => traceCarrierExtension({ on_update: "capture" } as never),
    'tracehop traceCarrierExtension: there is no option "on_update"; did you mean onUpdate?',
  ],
  [
    "traceCarrierExtension column: nothing near",
    () => traceCarrierExtension({ column: "carrier" } as never),
    'tracehop traceCarrierExtension: there is no option "column"; the options are field, models, onUpdate, baggage, ' +
      "maxCarrierBytes, propagator",
  ],
  [
    "setDatadogContext Origin",
    () => setDatadogContext(ROOT_CONTEXT, { Origin: "rum" } as never),
    'tracehop setDatadogContext: there is no field "Origin"; did you mean origin?',
  ],
  [
    "setDatadogContext priority: nothing near",
    () => setDatadogContext(ROOT_CONTEXT, { priority: 2 } as never),
    'tracehop setDatadogContext: there is no field "priority"; the fields are samplingPriority, origin, propagationTags, lastParentId',
  ],
  // tracehop/spans: the options are checked before the file is opened (a path that does not exist here).
  [
    "readSpansFile keeep",
    () => readSpansFile("/nonexistent/f1-spans.jsonl", { keeep: () => true } as never),
    'tracehop readSpansFile: there is no option "keeep"; did you mean keep?',
  ],
  [
    "readSpansFile maxLineByte",
    () => readSpansFile("/nonexistent/f1-spans.jsonl", { maxLineByte: 10 } as never),
    'tracehop readSpansFile: there is no option "maxLineByte"; did you mean maxLineBytes?',
  ],
  [
    "readSpansSince onLongLin",
    () =>
      readSpansSince("/nonexistent/f1-spans.jsonl", { ino: 0, size: 0 }, { onLongLin: () => {} } as never),
    'tracehop readSpansSince: there is no option "onLongLin"; did you mean onLongLine?',
  ],
  [
    "readSpansFile trace: nothing near",
    () => readSpansFile("/nonexistent/f1-spans.jsonl", { trace: "x" } as never),
    'tracehop readSpansFile: there is no option "trace"; the options are keep, maxLineBytes, onLongLine',
  ],
  [
    "readSpansFile given a string for its options",
    () => readSpansFile("/nonexistent/f1-spans.jsonl", "keep" as never),
    'tracehop readSpansFile: options must be a plain object, got "keep"',
  ],
  [
    "formatTraceTree heder",
    () => formatTraceTree([], { heder: false } as never),
    'tracehop formatTraceTree: there is no option "heder"; did you mean header?',
  ],
  [
    "formatTraceTree given a boolean for its options",
    () => formatTraceTree([], false as never),
    "tracehop formatTraceTree: options must be a plain object, got false",
  ],
  [
    "a name of 100000 characters: no guess, the options listed",
    () => withCarrier(TP, "x", fn, { ["relation".repeat(12500)]: 1 } as never),
    `tracehop withCarrier: there is no option ${describeValue("relation".repeat(12500))}; the options are ${WITH_CARRIER_OPTIONS}`,
  ],
];

for (const [label, call, message] of misspelt)
  test(`${label}: the TypeError's exact message`, () => {
    assert.throws(call, (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.equal(err.message, message);
      return true;
    });
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

test("knownNameHint, public for code that wraps tracehop with options of its own: did you mean, else the list", () => {
  const names = ["leaseMs", "pollMs", "maxAttempts"];
  assert.equal(knownNameHint("maxAttempt", names, "the options are"), "did you mean maxAttempts?");
  assert.equal(knownNameHint("POLL_MS", names, "the options are"), "did you mean pollMs?");
  assert.equal(
    knownNameHint("timeout", names, "the options are"),
    "the options are leaseMs, pollMs, maxAttempts",
  );
  // A wrapper that takes no options at all: no empty list ("the options are " and nothing).
  assert.equal(knownNameHint("timeout", [], "the options are"), "there are none");
});
