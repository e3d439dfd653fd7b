// What withCarrier / traced / withBatchItem do with a source that cannot be read at all (a revoked
// proxy: every trap throws) and with a row whose carrier-looking field is a prototype key.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier, traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import {
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf, W3C_CARRIER, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

const ZERO_TRACE_ID = "0".repeat(32);

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe("a source that holds no readable carrier", () => {
  test("a revoked proxy: fn runs once in a fresh recording root span, active, as for {} — never the all-zero id", () => {
    for (const relation of ["parent", "link", "none", "auto"] as const) {
      exporter.reset();
      let runs = 0;
      const seen = withCarrier(
        revoked(),
        "on-revoked",
        (span) => {
          runs++;
          assert.equal(trace.getActiveSpan(), span, `${relation}: the span is active`);
          return span.spanContext();
        },
        { relation },
      );
      assert.equal(runs, 1);
      assert.notEqual(seen.traceId, ZERO_TRACE_ID, relation);
      const span = finishedSpan("on-revoked");
      assert.equal(span.spanContext().spanId, seen.spanId, relation);
      assert.equal(parentIdOf(span), undefined, `${relation}: a root`);
    }
    // traced with the proxy as its argument, withBatchItem: the same.
    const ids = [
      traced({ name: "t" })((_row: object) => trace.getActiveSpan()!.spanContext().traceId)(revoked()),
      withBatchItem(revoked(), "item", (span) => span.spanContext().traceId),
    ];
    for (const id of ids) assert.notEqual(id, ZERO_TRACE_ID);
    assert.equal(finishedSpan("item").spanContext().traceId, ids[1]);
  });

  test("traced: an argument whose traceContext getter throws holds no carrier; the call runs in a new root", () => {
    const row = {
      get traceContext(): unknown {
        throw new Error("boom");
      },
    };
    const result = traced({ name: "getter" })((_row: object) => trace.getActiveSpan()!.spanContext().traceId)(
      row,
    );
    assert.notEqual(result, ZERO_TRACE_ID);
    const span = finishedSpan("getter");
    assert.deepEqual([span.spanContext().traceId, parentIdOf(span)], [result, undefined]);
  });

  // A user trial (hT2): such a row started a new trace without a word. It is said now, with no advice to
  // read the field (row.__proto__ reads the prototype wherever the own key is lost): rename it.
  test("a row whose carrier is in its own field __proto__, constructor or prototype: not read, said with the advice to rename it", async () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      resetWarnings();
      const row = JSON.parse(`{"id":1,${JSON.stringify(key)}:${JSON.stringify(W3C_CARRIER)}}`) as object;
      assert.ok(Object.hasOwn(row, key));
      const told = await recordWarnings(() => withCarrier(row, `row ${key}`, () => undefined));
      // Nothing restored: the carrier is never read through such a key.
      const span = finishedSpan(`row ${key}`);
      assert.equal(parentIdOf(span), undefined, key);
      assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID, key);
      const expected =
        `tracehop withCarrier: a carrier it was handed held no trace context and has no traceContext field, ` +
        `but its own field "${key}" holds a trace carrier, which was not read: no tracehop function reads a ` +
        `carrier from a field named __proto__, constructor or prototype, the names JavaScript gives an ` +
        `object's prototype and class (JSON.parse keeps such a key; a copy by Object.assign makes a __proto__ ` +
        `field the copy's prototype). Store the carrier under traceContext (or a field of another name).`;
      assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_IN_OTHER_FIELD", expected]], key);
      assert.deepEqual(told.diagWarnings, [expected], key);
    }
  });

  test("a field of another name holding the carrier is said first, with its fix", async () => {
    const row = JSON.parse(
      `{"__proto__":${JSON.stringify(W3C_CARRIER)},"carrier":${JSON.stringify(W3C_CARRIER)}}`,
    ) as object;
    const told = await recordWarnings(() => withCarrier(row, "row both", () => undefined));
    assert.equal(told.processWarnings.length, 1);
    assert.match(
      told.processWarnings[0]![1],
      /its field "carrier" holds a trace carrier.*Pass that field: withCarrier\(row\.carrier, \.\.\.\)/,
    );
  });
});

describe("the carrier-in-another-field scan two levels down, on hostile input: never throws, never loops", () => {
  const CODE = "TRACEHOP_CARRIER_IN_OTHER_FIELD";
  const rabbit = { system: "rabbitmq", destination: "jobs" } as const;
  /** Each helper that scans what it was handed, given `source`: the work runs once, whatever it holds. */
  const handTo = (source: object) => {
    let runs = 0;
    withCarrier(source, "w", () => runs++);
    traced({ name: "t" })((_row: object) => runs++)(source);
    withBatch([source], "b", () => runs++);
    withSendSpan({ ...rabbit, creationContext: source }, () => runs++);
    withProcessSpan(source, rabbit, () => runs++);
    withBatchProcessSpan([source], rabbit, () => runs++);
    return runs;
  };
  /** A proxy whose every trap throws. */
  const throwing = () =>
    new Proxy(
      {},
      Object.fromEntries(
        ["get", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf"].map((trap) => [
          trap,
          () => {
            throw new Error(`no ${trap}`);
          },
        ]),
      ),
    );

  test("a field that is a proxy whose traps throw, or a revoked one, two levels down: nothing said, the work runs", async () => {
    const told = await recordWarnings(() => {
      const runs = [
        handTo({ id: 1, payload: throwing() }),
        handTo({ id: 2, payload: revoked() }),
        handTo({ id: 3, payload: { headers: throwing() } }),
        handTo({ id: 4, payload: { headers: revoked() } }),
      ];
      assert.deepEqual(runs, [6, 6, 6, 6]);
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("a getter that throws two levels down is never called: a carrier beside it is still named", async () => {
    const told = await recordWarnings(() =>
      handTo({
        id: 1,
        payload: {
          get headers(): unknown {
            throw new Error("boom");
          },
        },
        envelope: { headers: W3C_CARRIER },
      }),
    );
    assert.deepEqual(
      told.processWarnings.map(([code, said]) => [
        code,
        said.slice(said.indexOf("its field"), said.indexOf(" holds")),
      ]),
      // Said once for each of the six helpers it was handed to (once per helper and field).
      Array.from({ length: 6 }, () => [CODE, 'its field "envelope.headers"']),
    );
  });

  test("objects that hold themselves (cycles): the scan ends, and finds a carrier two levels down", async () => {
    const looped: Record<string, unknown> = { id: 1 };
    looped.self = looped;
    looped.headers2 = { parent: looped, headers: { self: looped } };
    const told = await recordWarnings(() => assert.equal(handTo(looped), 6));
    assert.deepEqual(told.processWarnings, []);
    const found: Record<string, unknown> = { id: 2 };
    found.self = found;
    found.envelope = { parent: found, headers: W3C_CARRIER };
    const said = await recordWarnings(() => withCarrier(found, "found", () => 0));
    assert.equal(said.processWarnings.length, 1);
    assert.match(said.processWarnings[0]![1], /its field "envelope\.headers" holds a trace carrier/);
  });

  test("__proto__, constructor or prototype keys (JSON.parse keeps them own) are never looked into, nor named", async () => {
    const told = await recordWarnings(() => {
      for (const key of ["__proto__", "constructor", "prototype"]) {
        resetWarnings();
        const carrier = JSON.stringify({ headers: W3C_CARRIER });
        const outer = JSON.parse(`{"id":1,${JSON.stringify(key)}:${carrier}}`) as object;
        const inner = JSON.parse(`{"id":1,"payload":{${JSON.stringify(key)}:${carrier}}}`) as object;
        assert.ok(Object.hasOwn(outer, key));
        assert.equal(handTo(outer), 6);
        assert.equal(handTo(inner), 6);
      }
    });
    assert.deepEqual(told.processWarnings, []);
  });
});

describe("a row's traceContext is read once per restore", () => {
  /** A row whose `traceContext` getter counts its reads (and holds W3C_CARRIER). */
  function countingRow(): { row: object; reads: () => number } {
    let count = 0;
    const row = {
      id: 7,
      createdAt: new Date(0),
      get traceContext(): unknown {
        count++;
        return { ...W3C_CARRIER };
      },
    };
    return { row, reads: () => count };
  }
  /** A proxy over such a row that revokes itself on the first read of `traceContext`. */
  function selfRevokingRow(): object {
    const { proxy, revoke } = Proxy.revocable(
      { id: 7, traceContext: W3C_CARRIER },
      {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if (key === "traceContext") revoke();
          return value;
        },
      },
    );
    return proxy;
  }
  const kafka = { system: "kafka", destination: "jobs" } as const;
  /** Each restore entry point, given the row: the trace id of what it restored, or of its span's parent. */
  const restores: [string, (row: object) => string | undefined][] = [
    ["withCarrier", (row) => withCarrier(row, "w", (span) => span.spanContext().traceId)],
    ["contextFromCarrier", (row) => trace.getSpanContext(contextFromCarrier(row))?.traceId],
    [
      "traced",
      (row) =>
        traced({ name: "t" })((_n: number, _row: object) => trace.getActiveSpan()!.spanContext().traceId)(
          1,
          row,
        ),
    ],
    ["withBatchItem", (row) => withBatchItem(row, "item", (span) => span.spanContext().traceId)],
    [
      "withBatch",
      (row) => {
        withBatch([row], "batch", () => undefined);
        return finishedSpan("batch").links[0]?.context.traceId;
      },
    ],
    [
      "withSendSpan, forward send-span",
      (row) => withSendSpan({ ...kafka, creationContext: row }, (_h, span) => span.spanContext().traceId),
    ],
    [
      "withSendSpan, forward creation-context",
      (row) =>
        withSendSpan(
          { ...kafka, creationContext: row, forward: "creation-context" },
          (h) => (h.traceparent as string).split("-")[1],
        ),
    ],
    [
      "writeCarrierToHeaders",
      (row) => writeCarrierToHeaders<Record<string, string>>({}, row).traceparent?.split("-")[1],
    ],
  ];

  test("a counting getter sees one read, and the value read is the carrier restored", () => {
    for (const [label, restore] of restores) {
      const { row, reads } = countingRow();
      assert.equal(restore(row), W3C_TRACE_ID, label);
      assert.equal(reads(), 1, label);
    }
  });

  test("a proxy that revokes itself on that read still gives its carrier", () => {
    for (const [label, restore] of restores) assert.equal(restore(selfRevokingRow()), W3C_TRACE_ID, label);
    withCarrier(selfRevokingRow(), "revoking", () => undefined);
    assert.equal(parentIdOf(finishedSpan("revoking")), W3C_PARENT_ID);
  });
});

test("a row whose traceContext holds another row is unwrapped once at every restore entry point, as contextFromCarrier does", () => {
  const nested = { id: 1, traceContext: { id: 2, traceContext: W3C_CARRIER } };
  assert.equal(trace.getSpanContext(contextFromCarrier(nested)), undefined);
  const traceIds = [
    withCarrier(nested, "with-carrier", (span) => span.spanContext().traceId),
    traced({ name: "traced" })((_row: object) => trace.getActiveSpan()!.spanContext().traceId)(nested),
    withBatchItem(nested, "item", (span) => span.spanContext().traceId),
  ];
  for (const traceId of traceIds) assert.notEqual(traceId, W3C_TRACE_ID);
  // The row itself (one level) restores at each of them.
  const row = { id: 2, traceContext: W3C_CARRIER };
  assert.equal(
    withCarrier(row, "with-carrier", (span) => span.spanContext().traceId),
    W3C_TRACE_ID,
  );
  assert.equal(
    withBatchItem(row, "item", (span) => span.spanContext().traceId),
    W3C_TRACE_ID,
  );
});
