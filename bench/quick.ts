/**
 * `npm run build && node --import tsx bench/quick.ts [MODE,…]` (t1i, t1e, t2i, t2e, t3 by default; msi, bgi,
 * bgl, b3i, b3e, b3mi, b3me, t1ea, t2ea, b3ea, t1ep, t2ep, b3ep, t2es, t2em, rs, rsm, wps on request): only the target tasks of sections 1-2 (T1, T2, T3) side by side with their anchors, for quick A/B work on the hot path; `msi`
 * (not run by default): an inject through `amqpHeadersSetter` and `kafkaHeadersSetter` into message headers holding
 * two application headers, against the same inject through the API's `defaultTextMapSetter`. `bgi` and
 * `bgl` (not run by default): the `baggage` style's inject of a baggage set through the API (not one
 * restored unchanged, which writes the header it was read from), of 2 entries (`bgi`) and of 100 entries,
 * over W3C Baggage's 64 members (`bgl`), against @opentelemetry/core's W3CBaggagePropagator. `b3i`, `b3e`,
 * `b3mi`, `b3me` (not run by default): the inputs and anchors of section 1's `b3` and `b3multi` rows,
 * `createPropagator("b3")` / `createPropagator("b3multi")` against @opentelemetry/propagator-b3's
 * `B3Propagator` (single / multi header) injecting the same contexts (which carry Datadog fields) and
 * extracting the same carriers (what tracehop's style writes for them). `t1ea`, `t2ea`, `b3ea`, `t1ep`, `t2ep`,
 * `b3ep` (not run by default): `t1e`, `t2e`, `b3e` onto a base context other than `ROOT_CONTEXT`, as a consumer
 * extracts while a span is active: `…ea` onto an active span's context holding one baggage entry, `…ep` onto that
 * context after an earlier extraction of another trace onto it (each side's own extraction, as a consumer
 * restoring several messages onto one base context has), which tracehop's composite clears before writing its
 * own. The anchors extract onto the same base, except dd-trace's `text_map` (`t1ea`, `t1ep`), whose extract
 * takes no context: its side is `t1e`'s unchanged. `t2es` (not run by default): `t2ea` followed by what a consumer
 * does with the result: an SDK span started from it (`BasicTracerProvider`, always sampled, no exporter), made
 * active with `trace.setSpan`, read back with `trace.getSpan` and the baggage read, the span ended; both sides
 * run the same SDK calls on their own extraction's Context. `t2em` (not run by default): `t2e` onto a
 * many-value base context, as a consumer inside a framework that put 20 keys on the active context extracts:
 * 20 values set through the API (`createContextKey`, `setValue`) besides the active span and its baggage, the
 * same base for both sides. The restore modes (not run by default; they register a global `BasicTracerProvider`
 * (always sampled, no span processor) and the async-hooks context manager, so run them apart from the pairs
 * above): `rs` is `withCarrier` of a row holding a captured carrier (section 1's contexts, rotated), a plain
 * function; `rsm` the same `withCarrier` run inside `context.with` of that 20-value context (what a consumer in
 * such a framework pays); their anchor is what a user writes without tracehop's helper: the row's carrier read
 * with `contextFromCarrier`, a span started from it with the same tracer, made active with `context.with`
 * around the function, and ended (`rsm`'s inside the same `context.with`). `wps`: `withProcessSpan` of amqplib
 * headers (the captured carrier and two application headers) under `system: "rabbitmq"`, against the same
 * headers extracted with `createPropagator()`, a CONSUMER span started with the attributes a process span
 * carries (`messaging.system`, `messaging.destination.name`, `messaging.operation.type`, `messaging.operation`),
 * made active around the function and ended.
 */
import {
  context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { AlwaysOnSampler, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import {
  BaggagePropagator,
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  TraceContextPropagator,
  withCarrier,
} from "tracehop";
import { amqpHeadersSetter, kafkaHeadersSetter, withProcessSpan } from "tracehop/messaging";
import { ddTextMap, ddTracer } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, INPUT_MASK, referenceInputs, w3cCarriers } from "./fixtures.js";
import { formatNs, measureSync, pairedRatio } from "./harness.js";

const only = (process.argv[2] ?? "t2i,t2e,t1i,t1e,t3").split(",");
const { contexts, ddSpanContexts } = referenceInputs();
const tracer = ddTracer();
tracer.removeAllBaggageItems();
for (const [key, value] of Object.entries(BAGGAGE_ITEMS)) tracer.setBaggageItem(key, value);
const t1 = createPropagator(["datadog", "tracecontext"]);
const t1Inputs = contexts.map((ctx) => {
  const c: Record<string, string> = {};
  t1.inject(ctx, c, defaultTextMapSetter);
  return c;
});
const dd = ddTextMap(["datadog", "tracecontext"]);
const w3c = w3cCarriers();
const core = new W3CTraceContextPropagator();
const bare = new TraceContextPropagator();
const tc = createPropagator("tracecontext");
const w3cMine = w3c.map((c) => bare.extract(ROOT_CONTEXT, c, defaultTextMapGetter));
const w3cCore = w3c.map((c) => core.extract(ROOT_CONTEXT, c, defaultTextMapGetter));
let a = 0;
let b = 0;
/** An inject task: `write` fills a new carrier, which is returned (kept from dead-code elimination). */
const injecting = (write: (carrier: Record<string, string>) => void) => () => {
  const carrier: Record<string, string> = {};
  write(carrier);
  return carrier;
};
/** Message headers of an application: two fields beside the context written into them. */
const messageHeaders = (): Record<string, unknown> => ({
  "x-app": "orders",
  "content-kind": "order.created",
});
/** Contexts holding a baggage of `n` entries set through the API, values varying per input. */
const apiBaggage = (n: number) =>
  Array.from({ length: INPUT_MASK + 1 }, (_, i) =>
    propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage(
        Object.fromEntries(Array.from({ length: n }, (_, k) => [`key${k}`, { value: `user${i}-${k}` }])),
      ),
    ),
  );
const bgSmall = apiBaggage(2);
const bgLarge = apiBaggage(100);
const bgMine = new BaggagePropagator();
const bgCore = new W3CBaggagePropagator();
const b3Mine = createPropagator("b3");
const b3mMine = createPropagator("b3multi");
const b3Otel = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
const b3mOtel = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
/** Section 1's extract inputs of a style: what tracehop's style writes for the reference contexts. */
const writtenBy = (writer: typeof b3Mine) =>
  contexts.map((ctx) => injecting((c) => writer.inject(ctx, c, defaultTextMapSetter))());
const b3Inputs = writtenBy(b3Mine);
const b3mInputs = writtenBy(b3mMine);
/** The base of the `…ea` modes: an active span's context holding one baggage entry. */
const active = propagation.setBaggage(
  trace.setSpan(
    ROOT_CONTEXT,
    trace.wrapSpanContext({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
    }),
  ),
  propagation.createBaggage({ tenant: { value: "acme" } }),
);
/** Another trace, written by `writer`: what the `…ep` modes extract onto `active` before the input. */
const otherTrace = (writer: typeof b3Mine) =>
  injecting((c) =>
    writer.inject(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.SAMPLED,
      }),
      c,
      defaultTextMapSetter,
    ),
  )();
const t1Prior = t1.extract(active, otherTrace(t1), defaultTextMapGetter);
const t2Other = otherTrace(tc);
const t2PriorMine = tc.extract(active, t2Other, defaultTextMapGetter);
const t2PriorCore = core.extract(active, t2Other, defaultTextMapGetter);
const b3Other = otherTrace(b3Mine);
const b3PriorMine = b3Mine.extract(active, b3Other, defaultTextMapGetter);
const b3PriorOtel = b3Otel.extract(active, b3Other, defaultTextMapGetter);
const sdkTracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer("quick");
/** What a consumer does with an extracted Context: a span started from it, made active, read back, ended. */
const consume = (ctx: ReturnType<typeof tc.extract>) => {
  const span = sdkTracer.startSpan("consume", undefined, ctx);
  const inner = trace.setSpan(ctx, span);
  const read = trace.getSpan(inner) === span && propagation.getBaggage(inner) !== undefined;
  span.end();
  return read;
};
/** The base of `t2em` and `rsm`: `active` and 20 values a framework put on the context. */
const manyValues: Context = Array.from({ length: 20 }, (_, k) => k).reduce(
  (ctx, k) => ctx.setValue(createContextKey(`framework key ${k}`), { k }),
  active,
);
/** The restore modes' rows and message headers: section 1's contexts captured, rotated. */
const rows = contexts.map((ctx) => ({ id: 1, traceContext: captureCarrier({ context: ctx }) }));
const amqpHeaders = contexts.map((ctx) => ({ ...messageHeaders(), ...captureCarrier({ context: ctx }) }));
const restoreModes = ["rs", "rsm", "wps"];
if (only.some((mode) => restoreModes.includes(mode))) {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOnSampler() }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
const restoreTracer = trace.getTracer("quick");
const processPropagator = createPropagator();
const one = () => 1;
/** The restore modes' anchor: `carrier` read, a span started from it, active around `one`, ended. */
const byHand = (ctx: Context, name: string, options?: Parameters<typeof restoreTracer.startSpan>[1]) => {
  const span = restoreTracer.startSpan(name, options, ctx);
  const result = context.with(trace.setSpan(ctx, span), one);
  span.end();
  return result;
};
const processAttributes = {
  "messaging.system": "rabbitmq",
  "messaging.destination.name": "orders",
  "messaging.operation.type": "process",
  "messaging.operation": "process",
};
const pairs: Record<string, [() => unknown, () => unknown]> = {
  t2i: [
    injecting((c) => tc.inject(w3cMine[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => core.inject(w3cCore[b++ & INPUT_MASK]!, c, defaultTextMapSetter)),
  ],
  t2e: [
    () => tc.extract(ROOT_CONTEXT, w3c[a++ & INPUT_MASK], defaultTextMapGetter),
    () => core.extract(ROOT_CONTEXT, w3c[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  t1i: [
    injecting((c) => t1.inject(contexts[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => dd.inject(ddSpanContexts[b++ & INPUT_MASK]!, c)),
  ],
  t1e: [
    () => t1.extract(ROOT_CONTEXT, t1Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => dd.extract(t1Inputs[b++ & INPUT_MASK]!),
  ],
  t2ea: [
    () => tc.extract(active, w3c[a++ & INPUT_MASK], defaultTextMapGetter),
    () => core.extract(active, w3c[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  t2ep: [
    () => tc.extract(t2PriorMine, w3c[a++ & INPUT_MASK], defaultTextMapGetter),
    () => core.extract(t2PriorCore, w3c[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  t2es: [
    () => consume(tc.extract(active, w3c[a++ & INPUT_MASK], defaultTextMapGetter)),
    () => consume(core.extract(active, w3c[b++ & INPUT_MASK], defaultTextMapGetter)),
  ],
  t1ea: [
    () => t1.extract(active, t1Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => dd.extract(t1Inputs[b++ & INPUT_MASK]!),
  ],
  t1ep: [
    () => t1.extract(t1Prior, t1Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => dd.extract(t1Inputs[b++ & INPUT_MASK]!),
  ],
  t3: [
    () =>
      contextFromCarrier(JSON.parse(JSON.stringify(captureCarrier({ context: contexts[a++ & INPUT_MASK] })))),
    () => {
      const carrier = injecting((c) => tracer.inject(ddSpanContexts[b++ & INPUT_MASK]!, "text_map", c))();
      return tracer.extract("text_map", JSON.parse(JSON.stringify(carrier)) as Record<string, unknown>);
    },
  ],
  t2em: [
    () => tc.extract(manyValues, w3c[a++ & INPUT_MASK], defaultTextMapGetter),
    () => core.extract(manyValues, w3c[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  rs: [
    () => withCarrier(rows[a++ & INPUT_MASK], "job", one),
    () => byHand(contextFromCarrier(rows[b++ & INPUT_MASK]!.traceContext), "job"),
  ],
  rsm: [
    () => context.with(manyValues, () => withCarrier(rows[a++ & INPUT_MASK], "job", one)),
    () =>
      context.with(manyValues, () => byHand(contextFromCarrier(rows[b++ & INPUT_MASK]!.traceContext), "job")),
  ],
  wps: [
    () => withProcessSpan(amqpHeaders[a++ & INPUT_MASK], { system: "rabbitmq", destination: "orders" }, one),
    () =>
      byHand(
        processPropagator.extract(ROOT_CONTEXT, amqpHeaders[b++ & INPUT_MASK], defaultTextMapGetter),
        "process orders",
        { kind: SpanKind.CONSUMER, attributes: processAttributes },
      ),
  ],
  bgi: [
    injecting((c) => bgMine.inject(bgSmall[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => bgCore.inject(bgSmall[b++ & INPUT_MASK]!, c, defaultTextMapSetter)),
  ],
  bgl: [
    injecting((c) => bgMine.inject(bgLarge[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => bgCore.inject(bgLarge[b++ & INPUT_MASK]!, c, defaultTextMapSetter)),
  ],
  b3i: [
    injecting((c) => b3Mine.inject(contexts[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => b3Otel.inject(contexts[b++ & INPUT_MASK]!, c, defaultTextMapSetter)),
  ],
  b3e: [
    () => b3Mine.extract(ROOT_CONTEXT, b3Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => b3Otel.extract(ROOT_CONTEXT, b3Inputs[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  b3ea: [
    () => b3Mine.extract(active, b3Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => b3Otel.extract(active, b3Inputs[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  b3ep: [
    () => b3Mine.extract(b3PriorMine, b3Inputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => b3Otel.extract(b3PriorOtel, b3Inputs[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  b3mi: [
    injecting((c) => b3mMine.inject(contexts[a++ & INPUT_MASK]!, c, defaultTextMapSetter)),
    injecting((c) => b3mOtel.inject(contexts[b++ & INPUT_MASK]!, c, defaultTextMapSetter)),
  ],
  b3me: [
    () => b3mMine.extract(ROOT_CONTEXT, b3mInputs[a++ & INPUT_MASK], defaultTextMapGetter),
    () => b3mOtel.extract(ROOT_CONTEXT, b3mInputs[b++ & INPUT_MASK], defaultTextMapGetter),
  ],
  msi: [
    () => {
      const headers = messageHeaders();
      t1.inject(contexts[a & INPUT_MASK]!, headers, amqpHeadersSetter);
      t1.inject(contexts[a++ & INPUT_MASK]!, messageHeaders(), kafkaHeadersSetter);
      return headers;
    },
    () => {
      const headers = messageHeaders();
      t1.inject(contexts[b & INPUT_MASK]!, headers, defaultTextMapSetter);
      t1.inject(contexts[b++ & INPUT_MASK]!, messageHeaders(), defaultTextMapSetter);
      return headers;
    },
  ],
};
const unknown = only.filter((key) => !(key in pairs));
if (unknown.length)
  throw new Error(
    `bench/quick.ts: unknown pair ${unknown.join(", ")}; the pairs are ${Object.keys(pairs).join(", ")}`,
  );
for (const key of only) {
  const [mine, anchor] = pairs[key]!;
  const [m, n] = await measureSync([
    { name: "mine", fn: mine },
    { name: "anchor", fn: anchor },
  ]);
  console.log(
    `${key.padEnd(4)} ${formatNs(m!.medianNs).padStart(9)} vs ${formatNs(n!.medianNs).padStart(9)} = ${pairedRatio(m!, n!).toFixed(3)}×`,
  );
}
