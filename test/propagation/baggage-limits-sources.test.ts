// W3C Baggage's limits (§3.3.1: 64 list-members, 8192 bytes) on inject when the baggage comes from
// several headers of one carrier: a `baggage` header, `ot-baggage-*` (read by the datadog style) and
// Jaeger's `uberctx-*` (the real @opentelemetry/propagator-jaeger beside createPropagator()). The header
// written holds at most 64 members and 8192 bytes; the entries left out are the last in the order the
// restored baggage holds them (ot-baggage-* entries, the baggage header's members — kept within the
// limits together on extract — then Jaeger's uberctx-*), the same on every run, and said once per
// process (TRACEHOP_BAGGAGE_OVER_LIMITS).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { propagation, type Context } from "@opentelemetry/api";
import { CompositePropagator } from "@opentelemetry/core";
import { JaegerPropagator } from "@opentelemetry/propagator-jaeger";
import { captureCarrier, contextFromCarrier, createPropagator } from "../../src/index.js";
import { SPAN_ID, TRACE_ID } from "../support/baggage-context.js";

const withJaeger = () =>
  new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] });

/** A carrier of `w` W3C members, `o` ot-baggage-* and `u` uberctx-* headers, each value `size` bytes. */
function carrierOf(w: number, o: number, u: number, size: number): Record<string, string> {
  const carrier: Record<string, string> = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
  carrier.baggage = Array.from({ length: w }, (_, i) => `w${i}=${"w".repeat(size)}`).join(",");
  for (let i = 0; i < o; i++) carrier[`ot-baggage-o${i}`] = "o".repeat(size);
  for (let i = 0; i < u; i++) carrier[`uberctx-u${i}`] = "u".repeat(size);
  return carrier;
}

const keysOf = (context: Context) => (propagation.getBaggage(context)?.getAllEntries() ?? []).map(([k]) => k);
const membersOf = (header: string) => header.split(",").map((member) => member.slice(0, member.indexOf("=")));

/** Every process warning given while `fn` runs. */
async function warningsDuring(fn: () => void): Promise<Error[]> {
  const seen: Error[] = [];
  const listen = (warning: Error) => seen.push(warning);
  process.on("warning", listen);
  try {
    fn();
    // Process warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listen);
  }
  return seen;
}

/** The TRACEHOP_BAGGAGE_OVER_LIMITS warnings among `warnings`. */
const overLimits = (warnings: Error[]) =>
  warnings.filter((w) => (w as Error & { code?: string }).code === "TRACEHOP_BAGGAGE_OVER_LIMITS");

describe("baggage limits on inject, entries from a baggage header, ot-baggage-* and uberctx-*", () => {
  test("8192 bytes and 64 members at most: the last entries restored are left out (skipped whole), the same ones each time, said once per process", async () => {
    // 8192 bytes: the large uberctx-* entries are skipped whole, a later small one still written.
    // 20 W3C members of 305 bytes (6 119 with commas); ot-baggage-* entries counted with them at
    // extract (the datadog style keeps what fits: 6 of 10); uberctx-* added by Jaeger without a bound.
    const bytesCarrier = carrierOf(20, 10, 10, 300);
    bytesCarrier["uberctx-small"] = "s";
    const bytesRestored = contextFromCarrier(bytesCarrier, { propagator: withJaeger() });
    const bytesOrder = keysOf(bytesRestored);
    assert.equal(bytesOrder.filter((k) => k.startsWith("o")).length, 6);
    let bytesHeader = "";
    const first = await warningsDuring(() => {
      bytesHeader = captureCarrier({ context: bytesRestored }).baggage!;
    });
    assert.ok(Buffer.byteLength(bytesHeader) <= 8192, String(bytesHeader.length));
    const bytesWritten = membersOf(bytesHeader);
    // All W3C and ot-baggage-* entries kept at extract are written; the large uberctx-* ones do not fit.
    assert.deepEqual(
      bytesWritten,
      bytesOrder.filter((k) => !k.startsWith("u") || k === "small"),
    );
    assert.ok(bytesWritten.includes("small"));
    assert.equal(
      captureCarrier({ context: contextFromCarrier(bytesCarrier, { propagator: withJaeger() }) }).baggage,
      bytesHeader,
    );
    // Said once, with the count of that inject: the 10 large uberctx-* entries of 37.
    const said = overLimits(first);
    assert.equal(said.length, 1);
    assert.match(said[0]!.message, /left 10 of 37 baggage entries out/);
    // 64 members: 40 W3C members, 20 ot-baggage-*, 20 uberctx-*: 80 entries restored, of 105 bytes each.
    const carrier = carrierOf(40, 20, 20, 100);
    const restored = contextFromCarrier(carrier, { propagator: withJaeger() });
    const order = keysOf(restored);
    assert.equal(order.length, 80);
    let header = "";
    const warnings = await warningsDuring(() => {
      header = captureCarrier({ context: restored }).baggage!;
    });
    const written = membersOf(header);
    assert.equal(written.length, 64);
    assert.ok(header.length <= 8192);
    assert.deepEqual(written, order.slice(0, 64));
    assert.deepEqual(
      order.slice(0, 20),
      Array.from({ length: 20 }, (_, i) => `o${i}`),
    );
    assert.deepEqual(
      order.slice(20, 60),
      Array.from({ length: 40 }, (_, i) => `w${i}`),
    );
    // Every W3C member and every ot-baggage-* entry is written: the uberctx-* entries, added last by the
    // Jaeger propagator (which follows createPropagator() in the composite), are those left out.
    for (let i = 0; i < 40; i++) assert.ok(written.includes(`w${i}`), `w${i}`);
    for (let i = 0; i < 20; i++) assert.ok(written.includes(`o${i}`), `o${i}`);
    assert.deepEqual(
      order.slice(64),
      Array.from({ length: 16 }, (_, i) => `u${i + 4}`),
    );
    // Not said again in this process.
    assert.deepEqual(overLimits(warnings), []);
    // Deterministic: a second restore and inject of the same carrier writes the same header, unsaid.
    const again = await warningsDuring(() => {
      const next = contextFromCarrier(carrier, { propagator: withJaeger() });
      assert.equal(captureCarrier({ context: next }).baggage, header);
    });
    assert.deepEqual(overLimits(again), []);
  });
});
