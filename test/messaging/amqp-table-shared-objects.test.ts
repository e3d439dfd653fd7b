/**
 * Application headers that hold one object on many paths (a shared sub-table, or a cycle): counting the
 * table amqplib would encode stops once it is over amqplib's 65 536 bytes, as amqplib's encoder itself
 * throws there, so the count costs at most what amqplib reads before it throws, never a walk of every
 * path (2^depth reads of a shared object; without end for a cycle). The send still runs once and its
 * own error (amqplib's) is passed through unchanged.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { amqpHeadersSetter, injectAmqpHeaders, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { inSpan, spansNamed } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";

const broker = useRabbitMQ();

const require = createRequire(import.meta.url);
const { encodeTable } = require(join(dirname(require.resolve("amqplib")), "lib", "codec.js")) as {
  encodeTable(buffer: Buffer, table: unknown, offset: number): number;
};

/** The bytes amqplib encodes `table` into its 65 536-byte buffer, or `undefined` when it throws. */
function encodedBytes(table: unknown): number | undefined {
  try {
    return encodeTable(Buffer.alloc(65_536), table, 0);
  } catch {
    return undefined;
  }
}

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
beforeEach(resetWarnings);

/** A table of `depth` levels, each holding the level below twice; the leaf counts the reads of its field. */
function sharedTree(depth: number): { tree: object; reads: () => number } {
  let count = 0;
  let node: object = {};
  Object.defineProperty(node, "n", {
    enumerable: true,
    get() {
      count++;
      return 1;
    },
  });
  for (let level = 0; level < depth; level++) node = { l: node, r: node };
  return { tree: node, reads: () => count };
}

describe("AMQP headers holding one object on many paths", () => {
  test("injectAmqpHeaders reads the shared leaf fewer times than one walk of every path, and leaves the context out as over 65 536 bytes", async () => {
    const depth = 20;
    const { tree, reads } = sharedTree(depth);
    const headers: Record<string, unknown> = { "x-tree": tree };
    const told = await recordWarnings(() => inSpan("publish", () => injectAmqpHeaders(headers)));
    assert.ok(
      reads() < 2 ** depth,
      `the leaf was read ${reads()} times (one walk of every path: ${2 ** depth})`,
    );
    assert.equal(told.result, headers);
    assert.deepEqual(Object.keys(headers), ["x-tree"]);
    assert.equal(headers["x-tree"], tree);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      'tracehop injectAmqpHeaders: the header "traceparent" is left out of the message headers, so that the client does not refuse the send: with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Keep the application headers smaller, or make the propagator write shorter fields',
    ]);
  });

  test("a table that holds itself twice: withSendSpan (rabbitmq) runs the publish once and passes amqplib's own RangeError through", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `h6-shared-table-${process.pid}`;
    await broker.channel.assertQueue(queue, { exclusive: true });
    broker.deleteAfter(t, queue);
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.left = cyclic;
    cyclic.right = cyclic;
    const headers: Record<string, unknown> = { "x-job": cyclic };
    let runs = 0;
    let thrown: unknown;
    const told = await recordWarnings(() => {
      try {
        withSendSpan({ system: "rabbitmq", destination: queue, headers }, (sent) => {
          runs++;
          broker.channel.sendToQueue(queue, Buffer.from("body"), { headers: sent });
        });
      } catch (error) {
        thrown = error;
      }
    });
    assert.equal(runs, 1);
    assert.ok(thrown instanceof RangeError, `amqplib's RangeError, not ${String(thrown)}`);
    assert.match(thrown.message, /call stack|65536/);
    assert.deepEqual(Object.keys(headers), ["x-job"]);
    assert.equal(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").length, 1);
    const [span] = spansNamed(`publish ${queue}`);
    assert.equal(span?.status.message, thrown.message);
  });

  test("property: on tables sharing objects at every level, a field is written exactly when amqplib encodes the table with it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 3 }),
        fc.string({ maxLength: 3000 }),
        fc.boolean(),
        (depth, paths, leaf, asArray) => {
          let node: unknown = { leaf };
          for (let level = 0; level < depth; level++) {
            const shared = node;
            node = asArray
              ? Array.from({ length: paths }, () => shared)
              : Object.fromEntries(Array.from({ length: paths }, (_, i) => [`p${i}`, shared]));
          }
          const headers: Record<string, unknown> = { "x-tree": node };
          amqpHeadersSetter.set(headers, "traceparent", TRACEPARENT);
          const written = Object.hasOwn(headers, "traceparent");
          const encodes = encodedBytes({ ...headers, traceparent: TRACEPARENT }) !== undefined;
          assert.equal(
            written,
            encodes,
            `depth ${depth}, ${paths} paths, a leaf of ${leaf.length} characters`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a small table nested 200 levels deep, which amqplib encodes, is no full table: the context is written beside it", async () => {
    let nested: Record<string, unknown> = { leaf: "x" };
    for (let level = 0; level < 200; level++) nested = { n: nested };
    const headers: Record<string, unknown> = { "x-nested": nested };
    const told = await recordWarnings(() => inSpan("publish", () => injectAmqpHeaders(headers)));
    const ours = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").filter((m) => m.includes("injectAmqpHeaders"));
    assert.deepEqual(ours, []);
    assert.match(String(headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.ok(encodedBytes(headers)! < 65_536);
  });
});
