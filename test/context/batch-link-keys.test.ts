/**
 * Which links a batch span keeps once: a link is its span context AND its attributes (OpenTelemetry
 * trace API, "Link"), so a later link to a context linked already, but with other attributes (a
 * `restart` extraction's `reason=propagation_behavior_extract` link, a link of the user's with
 * attributes), is kept; an exact copy (the same ids, flags and attributes: the 1 000 messages of one bulk
 * publish) is linked once. Real SDK (BasicTracerProvider, in-memory exporter).
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Link } from "@opentelemetry/api";
import { createPropagator, withBatch } from "../../src/index.js";
import { withBatchProcessSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, W3C_CARRIER, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

/** The message context of {@link W3C_CARRIER}, sampled, as a plain link of the user's. */
const plain: Link = { context: { traceId: W3C_TRACE_ID, spanId: W3C_PARENT_ID, traceFlags: 1 } };

/** What a test compares of a span's links: the span id, flags and attributes of each, in order. */
const linksOf = (name: string) =>
  finishedSpan(name).links.map((link) => [
    link.context.spanId,
    link.context.traceFlags,
    link.attributes ?? {},
  ]);

describe("batch span links: one per context and attributes", () => {
  test("a restart link to a context options.links holds as a plain link is kept (its reason is news); its copies are not", async () => {
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const told = await recordWarnings(() =>
      withBatch(
        Array.from({ length: 1000 }, () => W3C_CARRIER),
        "h3 restarted",
        () => 0,
        {
          root: true,
          propagator: restart,
          links: [plain],
        },
      ),
    );
    assert.deepEqual(linksOf("h3 restarted"), [
      [W3C_PARENT_ID, 1, {}],
      [W3C_PARENT_ID, 1, { reason: "propagation_behavior_extract", context_headers: "tracecontext" }],
    ]);
    assert.equal(finishedSpan("h3 restarted").droppedLinksCount, 0);
    assert.equal(finishedSpan("h3 restarted").attributes["messaging.batch.message_count"], 1000);
    assert.deepEqual(told.processWarnings, []);
  });

  test("a message's plain link beside a link of the user's with attributes to the same context: both kept, the message's once", () => {
    const given: Link = { ...plain, attributes: { "h3.poll": "orders" } };
    withBatch(
      Array.from({ length: 1000 }, () => W3C_CARRIER),
      "h3 given",
      () => 0,
      { links: [given] },
    );
    assert.deepEqual(linksOf("h3 given"), [
      [W3C_PARENT_ID, 1, { "h3.poll": "orders" }],
      [W3C_PARENT_ID, 1, {}],
    ]);
  });

  test("a plain link of the user's to the message context: the messages add no copy of it (empty attributes are none)", () => {
    withBatch([W3C_CARRIER, W3C_CARRIER], "h3 plain given", () => 0, {
      links: [{ ...plain, attributes: {} }],
    });
    assert.deepEqual(linksOf("h3 plain given"), [[W3C_PARENT_ID, 1, {}]]);
  });

  test("withBatchProcessSpan: the same rule (the messages' headers, a link of the user's with attributes)", async () => {
    const given: Link = { ...plain, attributes: { "h3.retry": true } };
    const messages = Array.from({ length: 300 }, () => ({ headers: W3C_CARRIER }));
    const told = await recordWarnings(() =>
      withBatchProcessSpan(messages, { system: "kafka", destination: "h3-orders", links: [given] }, () => 0),
    );
    assert.deepEqual(linksOf("process h3-orders"), [
      [W3C_PARENT_ID, 1, { "h3.retry": true }],
      [W3C_PARENT_ID, 1, {}],
    ]);
    assert.deepEqual(told.processWarnings, []);
  });

  test("attributes are compared by value, array values element by element, whatever their order of keys", () => {
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const a: Link = { ...plain, attributes: { x: [1, 2], y: "z" } };
    const sameAsA: Link = { ...plain, attributes: { y: "z", x: [1, 2] } };
    const other: Link = { ...plain, attributes: { x: [1, 3], y: "z" } };
    withBatch([W3C_CARRIER, W3C_CARRIER], "h3 values", () => 0, {
      propagator: restart,
      links: [a, sameAsA, other],
    });
    // The user's own links are all kept, as given; the two restart links are one.
    assert.deepEqual(linksOf("h3 values"), [
      [W3C_PARENT_ID, 1, { x: [1, 2], y: "z" }],
      [W3C_PARENT_ID, 1, { y: "z", x: [1, 2] }],
      [W3C_PARENT_ID, 1, { x: [1, 3], y: "z" }],
      [W3C_PARENT_ID, 1, { reason: "propagation_behavior_extract", context_headers: "tracecontext" }],
    ]);
  });
});

describe("batch span links over the SDK's limit (default 128)", () => {
  test("the count said is of the links the span was given once copies are left out: 127 given + 1 restart link past the limit", async () => {
    const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
    const given: Link[] = Array.from({ length: 127 }, (_, i) => ({
      context: { traceId: hex(i + 1, 32), spanId: hex(i + 1, 16), traceFlags: 1 },
    }));
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const told = await recordWarnings(() =>
      withBatch(
        Array.from({ length: 300 }, () => W3C_CARRIER),
        "h3 limit",
        () => 0,
        {
          propagator: restart,
          links: [...given, plain],
        },
      ),
    );
    const span = finishedSpan("h3 limit");
    assert.equal(span.links.length, 128);
    assert.equal(span.droppedLinksCount, 1);
    // The SDK drops the earliest: the first of options.links; the restart link is the last kept.
    assert.deepEqual(span.links.at(-1)!.attributes, {
      reason: "propagation_behavior_extract",
      context_headers: "tracecontext",
    });
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [
        code,
        message.startsWith("tracehop withBatch: the batch span keeps 128 of its 129 links: "),
        message.includes("(OTEL_SPAN_LINK_COUNT_LIMIT=129, "),
      ]),
      [["TRACEHOP_LINKS_DROPPED", true, true]],
    );
  });
});
