// What Node's HTTP layer hides and a database column exposes (repeated fields as arrays, names in any
// case, OWS around traceparent: the differences from @opentelemetry/core listed in the class comments of
// TraceContextPropagator and BaggagePropagator), through tracehop's public entry points, with carriers
// really stored in and read back from a SQLite file (better-sqlite3) as JSON text. The public bug cases,
// each with its source, are in test/fixtures/w3c-bug-cases.json.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  baggageEntryMetadataFromString,
  propagation,
  ROOT_CONTEXT,
  trace,
  createTraceState,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator } from "@opentelemetry/core";
import {
  BaggagePropagator,
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  TraceContextPropagator,
} from "../../src/index.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
// The W3C layer alone: createPropagator's `tracecontext` style is Datadog-aware and adds a dd= member
// to any trace that has Datadog fields (a restored one always has), which these checks leave out.
const w3c = new CompositePropagator({ propagators: [new TraceContextPropagator(), new BaggagePropagator()] });
const cases = JSON.parse(
  readFileSync(new URL("../fixtures/w3c-bug-cases.json", import.meta.url), "utf8"),
) as Array<{
  id: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}>;
const bugCase = (id: string) => cases.find((c) => c.id === id)!;

let dir: string;
let db: Database.Database;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tracehop-stored-"));
  db = new Database(join(dir, "jobs.db"));
  db.exec("CREATE TABLE job (id INTEGER PRIMARY KEY, trace_carrier TEXT NOT NULL)");
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the carrier as JSON text into a real SQLite column and returns the text read back. */
function storeAndLoad(carrier: unknown): string {
  const { lastInsertRowid } = db
    .prepare("INSERT INTO job (trace_carrier) VALUES (?)")
    .run(JSON.stringify(carrier));
  const row = db.prepare("SELECT trace_carrier FROM job WHERE id = ?").get(lastInsertRowid) as {
    trace_carrier: string;
  };
  return row.trace_carrier;
}

function restore(carrier: unknown, propagator: TextMapPropagator = w3c): Context {
  return contextFromCarrier(storeAndLoad(carrier), { propagator });
}

function spanContextOf(ctx: Context) {
  return trace.getSpanContext(ctx);
}

describe("stored-carrier gaps of @opentelemetry/core 2.12's W3C propagators, read back from SQLite", () => {
  test("a stored TraceParent / TraceState in the sender's casing is found", () => {
    const sc = spanContextOf(restore({ TraceParent: `00-${TRACE_ID}-${SPAN_ID}-01`, TraceState: "rojo=1" }));
    assert.equal(sc?.traceId, TRACE_ID);
    assert.equal(sc?.traceState?.serialize(), "rojo=1");
  });

  test("runs of spaces and tabs around traceparent are ignored (dd-trace-py#4791 case d)", () => {
    const b10 = bugCase("B10");
    const sc = spanContextOf(restore(b10.input.cases.d));
    assert.equal(sc?.traceId, b10.expected.d.traceId);
    assert.equal(sc?.spanId, b10.expected.d.parentSpanId);
    assert.equal(
      spanContextOf(restore({ traceparent: `\t \t 00-${TRACE_ID}-${SPAN_ID}-01 \t ` }))?.spanId,
      SPAN_ID,
    );
    for (const key of ["b", "c"] as const)
      assert.equal(spanContextOf(restore(b10.input.cases[key])), undefined, key);
  });

  test("two different stored traceparent values restart the trace; tracestate fields combine in order", () => {
    const other = `00-${TRACE_ID.replace("4b", "5b")}-${SPAN_ID}-01`;
    assert.equal(spanContextOf(restore({ traceparent: [`00-${TRACE_ID}-${SPAN_ID}-01`, other] })), undefined);
    assert.equal(
      spanContextOf(restore({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, TRACEPARENT: other })),
      undefined,
    );
    const sc = spanContextOf(
      restore({
        traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
        tracestate: ["a=1", "", "b=2"],
        TraceState: "c=3",
      }),
    );
    assert.equal(sc?.traceState?.serialize(), "a=1,b=2,c=3");
  });

  test("B12: a Node-joined pair of traceparents is invalid; the Datadog headers of the row still restore it", () => {
    const b12 = bugCase("B12");
    assert.equal(spanContextOf(restore(b12.input.carrier)), undefined);
    const sc = spanContextOf(
      restore(b12.input.carrier, createPropagator(["tracecontext", "datadog", "baggage"])),
    );
    assert.equal(sc?.traceId, b12.expected.traceId);
    assert.equal(sc?.spanId, b12.expected.parentSpanId);
  });

  test("B23: kafkajs Buffer headers stored through JSON.stringify restore the Datadog context", () => {
    const b23 = bugCase("B23");
    const sc = spanContextOf(restore(b23.input.carrier, createPropagator(["datadog"])));
    assert.equal(sc?.traceId, b23.expected.traceId);
    assert.equal(sc?.spanId, b23.expected.parentSpanId);
    // The same values as live Buffers (never stored: a Buffer is not JSON).
    const live = Object.fromEntries(
      Object.entries(b23.input.carrier).map(([k, v]) => [k, Buffer.from((v as { data: number[] }).data)]),
    );
    assert.equal(
      spanContextOf(contextFromCarrier(live, { propagator: createPropagator(["datadog"]) }))?.spanId,
      b23.expected.parentSpanId,
    );
  });

  test("flags >= 0x10 and unknown bits: cleared on extract, two digits on inject", () => {
    const sc = spanContextOf(restore({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-17` }))!;
    assert.equal(sc.traceFlags, 0x03);
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0x11 });
    assert.deepEqual(captureCarrier({ context: ctx, propagator: w3c }), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  test("upper-case ids in a stored SpanContext go out lower-case; upper-case on the wire is refused", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID.toUpperCase(),
      spanId: SPAN_ID.toUpperCase(),
      traceFlags: 1,
    });
    assert.equal(
      captureCarrier({ context: ctx, propagator: w3c }).traceparent,
      `00-${TRACE_ID}-${SPAN_ID}-01`,
    );
    assert.equal(
      spanContextOf(restore({ traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` })),
      undefined,
    );
  });

  test("no empty tracestate is sent, whatever TraceState the context holds", () => {
    for (const traceState of [createTraceState(""), createTraceState("Bad=1,@x=2")]) {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: 1,
        traceState,
      });
      assert.deepEqual(captureCarrier({ context: ctx, propagator: w3c }), {
        traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      });
    }
    const restored = restore({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: "foo=bar=baz" });
    assert.deepEqual(captureCarrier({ context: restored, propagator: w3c }), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  test("Level 2 keys survive the round trip (core's Level 1 grammar drops them)", () => {
    const header = `foo@=1,foo@@bar=2,1abc=3,t${"x".repeat(241)}@v=4,t@${"v".repeat(15)}=5`;
    const restored = restore({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: header });
    assert.equal(captureCarrier({ context: restored, propagator: w3c }).tracestate, header);
  });

  test("a valid 8192-byte baggage member is restored and written back (core drops it)", () => {
    const member = `big=${"v".repeat(8188)}`;
    const restored = restore({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, baggage: member });
    assert.equal(propagation.getBaggage(restored)?.getEntry("big")?.value.length, 8188);
    assert.equal(captureCarrier({ context: restored, propagator: w3c }).baggage, member);
  });

  test("control characters in baggage metadata are never written back out", () => {
    const ctx = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({
        k: { value: "v", metadata: baggageEntryMetadataFromString("p=a\r\nb: c;q\u0000=1") },
      }),
    );
    const written = captureCarrier({ context: ctx, propagator: w3c }).baggage!;
    assert.equal(written, "k=v;p=a%0D%0Ab:%20c");
    const back = propagation.getBaggage(restore({ baggage: written }))!;
    assert.equal(back.getEntry("k")?.metadata?.toString(), "p=a%0D%0Ab:%20c");
  });

  test("the default propagator's own carrier restores the same trace after the SQLite round trip", () => {
    const ctx = propagation.setBaggage(
      trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 3 }),
      propagation.createBaggage({ userId: { value: "Amélie" } }),
    );
    const carrier = captureCarrier({ context: ctx, propagator: createPropagator() });
    assert.equal(carrier.traceparent, `00-${TRACE_ID}-${SPAN_ID}-03`);
    const restored = restore(carrier, createPropagator());
    assert.equal(spanContextOf(restored)?.traceId, TRACE_ID);
    assert.equal(spanContextOf(restored)?.traceFlags, 3);
    assert.equal(propagation.getBaggage(restored)?.getEntry("userId")?.value, "Amélie");
  });
});
