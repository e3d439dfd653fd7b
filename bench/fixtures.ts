/**
 * The contexts and carriers every benchmark section uses: realistic traces (a 128-bit trace id, a sampling
 * priority, origin, decision maker, another vendor's tracestate member, two baggage entries), so that each
 * implementation does the same work.
 *
 * Honest inputs: every timed task rotates over {@link INPUT_COUNT} distinct carriers / contexts
 * (different random trace ids, span ids, priorities and baggage values), all prepared before timing,
 * so that nothing keyed on one input (a memo of the last id, of one context) can make a repeated call
 * free. Both sides of a comparison get the same list.
 */
import { defaultTextMapGetter, ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import { createPropagator } from "tracehop";
import { ddTextMap, type DdSpanContext } from "./dd-trace-anchor.js";

/** The full default carrier as it arrives in HTTP headers (lower-case names), baggage included. */
export const FULL_CARRIER: Readonly<Record<string, string>> = Object.freeze({
  traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
  tracestate: "dd=s:2;o:synthetics;t.dm:-4;t.tid:640cfd8d00000000;p:891087b8e3b70cb1,rojo=00f067aa0ba902b7",
  baggage: "userId=alice,region=eu-west-1",
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "9876543210987654321",
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "synthetics",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
});

/** The baggage of {@link FULL_CARRIER}, for dd-trace's process-wide baggage store. */
export const BAGGAGE_ITEMS: Readonly<Record<string, string>> = Object.freeze({
  userId: "alice",
  region: "eu-west-1",
});

/** Distinct inputs each timed task rotates over (a power of two: the index is masked, not divided). */
export const INPUT_COUNT = 256;
/** `index & INPUT_MASK` walks the inputs in a cycle. */
export const INPUT_MASK = INPUT_COUNT - 1;

/**
 * Sampling priority, W3C sampled flag and decision maker of each variant (dd-trace-java
 * `PrioritySampling`: keep <=> priority > 0; `SamplingMechanism`: `_dd.p.dm` on keep decisions).
 */
const DECISIONS = [
  { priority: 2, flags: "01", dm: "-4" },
  { priority: 1, flags: "01", dm: "-0" },
  { priority: 0, flags: "00", dm: "-1" },
  { priority: -1, flags: "00", dm: "-4" },
] as const;

/** Deterministic 32-bit generator (mulberry32), so every run measures the same inputs. */
function random32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/**
 * {@link INPUT_COUNT} carriers shaped like {@link FULL_CARRIER}, each with its own random trace id
 * (upper 32 bits random, as Datadog's 128-bit ids put a timestamp there), span id, priority and
 * baggage value; the Datadog and W3C headers of one carrier describe the same trace.
 */
export function fullCarriers(count = INPUT_COUNT): Record<string, string>[] {
  const next = random32(0x7ace_40b);
  const carriers: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    const high = hex8(next()) + "00000000";
    const low = hex8((next() | 1) >>> 0) + hex8(next());
    const span = hex8((next() | 1) >>> 0) + hex8(next());
    const decision = DECISIONS[i % DECISIONS.length]!;
    carriers.push({
      traceparent: `00-${high}${low}-${span}-${decision.flags}`,
      tracestate: `dd=s:${decision.priority};o:synthetics;t.dm:${decision.dm};t.tid:${high};p:${span},rojo=00f067aa0ba902b7`,
      baggage: `userId=user${i},region=eu-west-1`,
      "x-datadog-trace-id": BigInt(`0x${low}`).toString(10),
      "x-datadog-parent-id": BigInt(`0x${span}`).toString(10),
      "x-datadog-sampling-priority": String(decision.priority),
      "x-datadog-origin": "synthetics",
      "x-datadog-tags": `_dd.p.dm=${decision.dm},_dd.p.tid=${high}`,
    });
  }
  return carriers;
}

/**
 * The context an injector starts from: `carrier` extracted by tracehop's default styles (span context
 * with tracestate, Datadog fields, baggage), as a relay re-injects a stored one.
 */
export function fullContext(carrier: Readonly<Record<string, string>> = FULL_CARRIER): Context {
  return createPropagator(["datadog", "tracecontext", "baggage"]).extract(
    ROOT_CONTEXT,
    carrier,
    defaultTextMapGetter,
  );
}

/** A 1 MiB header value (hostile input), in UTF-16 code units of one ASCII character each. */
export const ONE_MIB = 1024 * 1024;

/** W3C trace flags of the W3C-only inputs: not sampled, sampled, sampled + random (Level 2 §3.2.2.5). */
const W3C_FLAGS = ["00", "01", "03"] as const;

/** Foreign tracestate members the W3C-only inputs carry (one to three of them; never `dd=`). */
const FOREIGN_MEMBERS = ["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE", "acme@tenant=v1;x:2"] as const;

/**
 * {@link INPUT_COUNT} W3C-only carriers (`traceparent` + `tracestate`) for target T2: random 128-bit
 * trace ids and span ids, flags `00`/`01`/`03` in turn, and a tracestate of one to three foreign
 * members whose values vary per carrier. No `dd=` member and no Datadog header: what a user who
 * propagates only W3C Trace Context receives, which @opentelemetry/core can represent in full.
 */
export function w3cCarriers(count = INPUT_COUNT): Record<string, string>[] {
  const next = random32(0x3c_7ace);
  const carriers: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    const traceId = hex8(next()) + hex8(next()) + hex8((next() | 1) >>> 0) + hex8(next());
    const spanId = hex8((next() | 1) >>> 0) + hex8(next());
    const members = 1 + (i % FOREIGN_MEMBERS.length);
    let tracestate = `vendor${i & 7}=${hex8(next())}`;
    for (let m = 1; m < members; m++) tracestate += `,${FOREIGN_MEMBERS[m]}`;
    carriers.push({
      traceparent: `00-${traceId}-${spanId}-${W3C_FLAGS[i % W3C_FLAGS.length]}`,
      tracestate,
    });
  }
  return carriers;
}

/**
 * The reference inputs both sides of sections 1 and 2 use: {@link fullCarriers}, tracehop's context for
 * each ({@link fullContext}), and dd-trace's span context for each (extracted by dd-trace's own
 * datadog+tracecontext+baggage text map from the same carrier). Throws if dd-trace rejects a carrier.
 */
export function referenceInputs(): {
  carriers: Record<string, string>[];
  contexts: Context[];
  ddSpanContexts: DdSpanContext[];
} {
  const carriers = fullCarriers();
  const ddFull = ddTextMap(["datadog", "tracecontext", "baggage"]);
  const ddSpanContexts = carriers.map((carrier) => {
    const spanContext = ddFull.extract({ ...carrier });
    if (!spanContext) throw new Error("dd-trace did not extract a reference carrier");
    return spanContext;
  });
  return { carriers, contexts: carriers.map((carrier) => fullContext(carrier)), ddSpanContexts };
}
