// The `links` option of every helper that takes one: each link is read once, checked, and the span
// records that plain copy, so a getter that answers otherwise on a later read (the SDK's, the OTLP
// serializer's at export) changes nothing; its traceFlags are the number tracehop's inject styles write.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTraceState, type Link } from "@opentelemetry/api";
import { traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { readSpanLink, spanLinkProblem } from "../../src/context/span-link.js";
import { exporter, W3C_CARRIER, W3C_PARENT_ID } from "./tracing.js";

beforeEach(() => exporter.reset());

const TRACE_ID = "1".repeat(32);
const SPAN_ID = "2".repeat(16);
const OTHER_TRACE_ID = "3".repeat(32);

/** [the span `call` starts with its `links` option, the call, the helper when not the span's name]. */
type Entry = [name: string, call: (links: Link[]) => unknown, label?: string];
const base = { system: "kafka", destination: "jobs" };
const entries: Entry[] = [
  ["withCarrier", (links) => withCarrier(W3C_CARRIER, "withCarrier", () => 1, { links })],
  ["withBatchItem", (links) => withBatchItem(W3C_CARRIER, "withBatchItem", () => 1, { links })],
  ["withBatch", (links) => withBatch([W3C_CARRIER], "withBatch", () => 1, { links })],
  ["traced", (links) => traced({ name: "traced", links })(() => 1)()],
  ["process jobs", (links) => withProcessSpan(W3C_CARRIER, { ...base, links }, () => 1), "withProcessSpan"],
  ["send jobs", (links) => withSendSpan({ ...base, links }, () => 1), "withSendSpan"],
  [
    "send jobs",
    (links) => withSendSpan({ ...base, links, creationContext: W3C_CARRIER }, () => 1),
    "withSendSpan relaying",
  ],
  [
    "send jobs",
    (links) =>
      withSendSpan({ ...base, links, creationContext: W3C_CARRIER, forward: "creation-context" }, () => 1),
    "withSendSpan forwarding the creation context",
  ],
  [
    "process jobs",
    (links) => withBatchProcessSpan([{ headers: W3C_CARRIER }], { ...base, links }, () => 1),
    "withBatchProcessSpan",
  ],
];

/** The links option's link recorded on the one finished span named `name` (the first link). */
function recordedLink(name: string): Link {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  assert.equal(spans.length, 1, name);
  return spans[0]!.links[0]!;
}

describe("links: each link read once, the span records what was checked", () => {
  for (const [name, call, label = name] of entries) {
    test(`${label}: a link whose getters answer otherwise on a later read`, () => {
      let contextReads = 0;
      let traceIdReads = 0;
      let attributesReads = 0;
      const context = {
        get traceId() {
          return traceIdReads++ === 0 ? TRACE_ID : "not hex";
        },
        spanId: SPAN_ID,
        traceFlags: 1,
      };
      const link = {
        get context() {
          // A second read answers a context of another trace.
          return contextReads++ === 0 ? context : { traceId: OTHER_TRACE_ID, spanId: SPAN_ID, traceFlags: 1 };
        },
        get attributes() {
          return attributesReads++ === 0 ? { "job.id": "7" } : "x";
        },
      };
      call([link as Link]);
      assert.deepEqual(recordedLink(name), {
        context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
        attributes: { "job.id": "7" },
      });
      assert.deepEqual([contextReads, traceIdReads, attributesReads], [1, 1, 1]);
    });

    test(`${label}: traceFlags recorded as the number tracehop's inject styles write`, () => {
      // [given, recorded]: knownTraceFlags (src/propagation/trace-flags.ts)
      const flags: [unknown, number][] = [
        ["1", 1],
        ["01", 1],
        [true, 1],
        ["abc", 0],
        [7, 3],
        [1n, 0],
        [undefined, 0],
        [{ valueOf: () => 1 }, 0],
      ];
      for (const [given, recorded] of flags) {
        exporter.reset();
        call([{ context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: given } } as Link]);
        assert.deepEqual(
          recordedLink(name).context,
          { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: recorded },
          `${name} traceFlags ${String(given)}`,
        );
      }
    });
  }

  test("traced: the links are read once, when it wraps, and every call's span records them", () => {
    let reads = 0;
    const link = {
      get context() {
        reads++;
        return { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: "1" };
      },
    };
    const handle = traced({ name: "traced", links: [link as unknown as Link] })(() => 1);
    handle();
    handle();
    assert.equal(reads, 1);
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.links[0]!.context),
      [
        { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
        { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
      ],
    );
  });

  test("the caller's links array is never changed, and the span's other links follow its own", () => {
    const given: Link[] = [{ context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 } }];
    for (const [name, call, label = name] of entries) {
      exporter.reset();
      call(given);
      assert.equal(given.length, 1, label);
      assert.deepEqual(recordedLink(name).context, given[0]!.context, label);
    }
    // withBatch: the message's link after the option's.
    exporter.reset();
    withBatch([W3C_CARRIER], "batch", () => 1, { links: given });
    const [batch] = exporter.getFinishedSpans();
    assert.deepEqual(
      batch!.links.map((l) => l.context.spanId),
      [SPAN_ID, W3C_PARENT_ID],
    );
    assert.equal(given.length, 1);
  });

  test("traced: every call's span records the links checked when it wrapped, and its own links alone", () => {
    const link: Link = { context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 } };
    const row = { traceContext: W3C_CARRIER };
    // Relation link: each span links the option's link and then its row's stored context.
    const handle = traced({ name: "traced", relation: "link", links: [link] })((r: typeof row) => r);
    const fromOptions = traced({
      name: "from-options",
      relation: "link",
      links: [link],
      optionsFrom: () => ({ attempt: 2 }),
    })((r: typeof row) => r);
    const ownLinks = traced({
      name: "own-links",
      relation: "link",
      links: [link],
      optionsFrom: () => ({ links: [{ context: { ...link.context, spanId: "4".repeat(16) } }] }),
    })((r: typeof row) => r);
    for (let call = 0; call < 3; call++) {
      handle(row);
      fromOptions(row);
      ownLinks(row);
    }
    const spanIds = (name: string) =>
      exporter
        .getFinishedSpans()
        .filter((s) => s.name === name)
        .map((s) => s.links.map((l) => l.context.spanId));
    const each = [SPAN_ID, W3C_PARENT_ID];
    assert.deepEqual(spanIds("traced"), [each, each, each]);
    assert.deepEqual(spanIds("from-options"), [each, each, each]);
    const own = ["4".repeat(16), W3C_PARENT_ID];
    assert.deepEqual(spanIds("own-links"), [own, own, own]);
  });

  test("a traceState is kept; isRemote only when it is true (as LinkAwareSampler reads it)", () => {
    const traceState = createTraceState("rojo=00f067aa0ba902b7");
    for (const [isRemote, recorded] of [
      [true, { isRemote: true }],
      ["yes", {}],
      [false, {}],
    ] as const) {
      exporter.reset();
      withCarrier(W3C_CARRIER, "withCarrier", () => 1, {
        links: [
          { context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState, isRemote } as never },
        ],
      });
      assert.deepEqual(recordedLink("withCarrier").context, {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: 1,
        traceState,
        ...recorded,
      });
    }
  });

  test("a traceState that is no TraceState (the OTLP serializer calls its serialize) is a TypeError", () => {
    for (const [name, call, label = name] of entries) {
      assert.throws(
        () =>
          call([
            { context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: "a=b" as never } },
          ]),
        (err: unknown) =>
          err instanceof TypeError &&
          err.message.startsWith(`tracehop ${label.split(" ")[0]!}: `) &&
          /^tracehop \w+: links\[0\] must be a span link \{ context: SpanContext, attributes\? \} .*, got \{ context: \{ traceState: "a=b", \.\.\. \} \}$/.test(
            err.message,
          ),
        label,
      );
    }
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});

describe("readSpanLink and spanLinkProblem", () => {
  test("readSpanLink: a fresh plain copy; the attributes a shallow copy", () => {
    const attributes = { a: 1 };
    const context = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 };
    const read = readSpanLink({ context, attributes }) as Link;
    assert.deepEqual(read, { context, attributes });
    assert.notEqual(read.context, context);
    assert.notEqual(read.attributes, attributes);
    assert.deepEqual(readSpanLink({ context }), { context });
  });

  test("spanLinkProblem (a span about to be exported): a traceFlags the serializer's `& 0xff` throws on or runs code for", () => {
    const link = (traceFlags: unknown) => ({ context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags } });
    assert.equal(spanLinkProblem(link(1)), undefined);
    assert.equal(spanLinkProblem(link("1")), undefined);
    assert.equal(spanLinkProblem(link(undefined)), undefined);
    assert.equal(spanLinkProblem(link(null)), undefined);
    assert.equal(spanLinkProblem(link(1n)), "{ context: { traceFlags: 1n, ... } }");
    assert.equal(spanLinkProblem(link(Symbol("f"))), "{ context: { traceFlags: Symbol(f), ... } }");
    assert.equal(spanLinkProblem(link({})), "{ context: { traceFlags: an object, ... } }");
    assert.equal(
      spanLinkProblem({ context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: "a=b" } }),
      '{ context: { traceState: "a=b", ... } }',
    );
  });
});
