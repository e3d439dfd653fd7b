// A restore nested inside a span that already continues the same stored context: a worker's traced
// method that hands its row to another traced method (`process(job)` calling `step(job)`), or a
// withCarrier inside another of the same row. The inner span belongs under the outer one, in its
// trace, not beside it (relation parent) nor in a trace of its own (relation link); a retry of the
// same row (another attempt, or one that runs after the failed attempt's span ended: B29) still
// restores the stored parent.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import {
  createPropagator,
  setRestoreDefaults,
  traced,
  withBatchItem,
  withCarrier,
  type WithCarrierOptions,
} from "../../src/index.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import {
  exporter,
  finishedSpan,
  linksOf,
  parentIdOf,
  W3C_CARRIER,
  W3C_PARENT_ID,
  W3C_TRACE_ID,
} from "./tracing.js";

beforeEach(() => exporter.reset());

const job = { id: 1, traceContext: W3C_CARRIER, createdAt: new Date() };
const OTHER_CARRIER = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };

/** [trace id, parent span id] of the finished span `name`. */
const placeOf = (name: string) => {
  const span = finishedSpan(name);
  return [span.spanContext().traceId, parentIdOf(span)];
};
const idsOf = (name: string) => [
  finishedSpan(name).spanContext().traceId,
  finishedSpan(name).spanContext().spanId,
];

describe("a restore nested inside a span that continues the same stored context", () => {
  test("traced methods handing the row on: the inner span is a child of the outer one", async () => {
    class Worker {
      @traced({ name: "process" })
      async process(row: typeof job) {
        await this.step(row);
      }
      @traced({ name: "step" })
      async step(_row: typeof job) {
        return trace.getActiveSpan()!.spanContext().spanId;
      }
    }
    await new Worker().process(job);
    assert.deepEqual(placeOf("process"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    const [traceId, processId] = idsOf("process");
    assert.deepEqual(placeOf("step"), [traceId, processId]);
    assert.deepEqual(linksOf(finishedSpan("step")), []);
  });

  test("withCarrier in withCarrier, relation parent and link: one trace, the inner span under the outer", async () => {
    await withCarrier(job, "outer", () => withCarrier(job.traceContext, "inner", () => undefined));
    assert.deepEqual(placeOf("outer"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.deepEqual(placeOf("inner"), idsOf("outer"));
    exporter.reset();
    await withCarrier(
      job,
      "outer link",
      async () => withCarrier(job, "inner link", async () => undefined, { relation: "link" }),
      { relation: "link" },
    );
    const [newTrace, outerId] = idsOf("outer link");
    assert.notEqual(newTrace, W3C_TRACE_ID);
    assert.deepEqual(placeOf("inner link"), [newTrace, outerId]);
    assert.deepEqual(linksOf(finishedSpan("inner link")), []);
  });

  test("through a span of the user's own, and withBatchItem: still under the outer restore, no link to its parent", async () => {
    const tracer = trace.getTracer("user");
    await withCarrier(job, "outer", () =>
      tracer.startActiveSpan("user step", (span) => {
        withBatchItem(job, "item", () => undefined);
        span.end();
      }),
    );
    assert.deepEqual(placeOf("item"), idsOf("user step"));
    assert.deepEqual(linksOf(finishedSpan("item")), []);
  });

  test("relation auto: a step that starts once the row is older than maxParentAge stays under the outer restore", async () => {
    // The outer restore resolves `auto` as parent (the row is 5 s old, under 6 s); its step starts 1.5 s
    // later, when the same row's age is past 6 s: the same work, not the root of another trace.
    const old = { ...job, createdAt: new Date(Date.now() - 5000) };
    const options = { relation: "auto", maxParentAge: 6000 } as const;
    await withCarrier(
      old,
      "outer",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await withCarrier(old, "late step", () => undefined, options);
      },
      options,
    );
    assert.deepEqual(placeOf("outer"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.deepEqual(placeOf("late step"), idsOf("outer"));
    assert.deepEqual(linksOf(finishedSpan("late step")), []);
  });

  test("another carrier, another attempt, another relation, an ended outer span, or a new root in between: as before", async () => {
    await withCarrier(
      job,
      "outer",
      async () => {
        await withCarrier(OTHER_CARRIER, "other carrier", () => undefined);
        await withCarrier(job, "attempt 2", () => undefined, { attempt: 2 });
        await trace.getTracer("user").startActiveSpan("own root", { root: true }, async (span) => {
          await withCarrier(job, "under own root", () => undefined);
          span.end();
        });
        await context.with(ROOT_CONTEXT, () => withCarrier(job, "from root context", () => undefined));
        await withCarrier(job, "other relation", () => undefined, { relation: "link" });
      },
      { attempt: 1 },
    );
    assert.deepEqual(placeOf("other carrier"), [OTHER_CARRIER.traceparent.slice(3, 35), "b7ad6b7169203331"]);
    for (const name of ["attempt 2", "under own root", "from root context"])
      assert.deepEqual(placeOf(name), [W3C_TRACE_ID, W3C_PARENT_ID], name);
    const linked = finishedSpan("other relation");
    assert.equal(parentIdOf(linked), undefined);
    assert.deepEqual(
      linksOf(linked).map((l) => l.spanId),
      [W3C_PARENT_ID],
    );
    exporter.reset();
    let later!: Promise<unknown>;
    await withCarrier(job, "first", () => {
      later = new Promise((resolve) =>
        setImmediate(() => resolve(withCarrier(job, "after first ended", () => undefined))),
      );
    });
    await later;
    assert.deepEqual(placeOf("after first ended"), [W3C_TRACE_ID, W3C_PARENT_ID]);
  });
});

describe("an inner restore that names no relation follows the enclosing restore of the same context", () => {
  const linked = () => {
    const outer = finishedSpan("outer");
    assert.notEqual(outer.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(outer), undefined);
    return idsOf("outer");
  };

  test("withCarrier, traced, withBatchItem, withProcessSpan and withSendSpan inside an explicit link: children of the outer span", async () => {
    const step = traced({ name: "traced step" })(async (_row: typeof job) => undefined);
    class Worker {
      @traced({ name: "outer", relation: "link" })
      async process(row: typeof job) {
        await withCarrier(row, "withCarrier step", () => undefined);
        await step(row);
        withBatchItem(row, "batch item", () => undefined);
        withProcessSpan(W3C_CARRIER, { system: "kafka", destination: "jobs" }, () => undefined);
        withSendSpan({ system: "kafka", destination: "jobs", creationContext: row }, () => undefined);
      }
    }
    await new Worker().process(job);
    const outer = linked();
    for (const name of ["withCarrier step", "traced step", "batch item", "process jobs", "send jobs"]) {
      assert.deepEqual(placeOf(name), outer, name);
      assert.deepEqual(linksOf(finishedSpan(name)), [], name);
      assert.equal(finishedSpan(name).attributes["tracehop.relation"], undefined, name);
    }
  });

  test("an inner relation given explicitly and different (parent under link) is kept: a child of the stored span", async () => {
    await withCarrier(
      job,
      "outer",
      () => withCarrier(job, "explicit parent", () => undefined, { relation: "parent" }),
      {
        relation: "link",
      },
    );
    linked();
    assert.deepEqual(placeOf("explicit parent"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.equal(finishedSpan("explicit parent").attributes["tracehop.relation"], "parent");
  });

  test("a relation left undefined (optionsFrom's { relation: undefined }, an options object of the user's) is not given; the object is not changed", async () => {
    const shared: WithCarrierOptions = { kind: SpanKind.INTERNAL };
    const step = traced({ name: "step", optionsFrom: () => ({ relation: undefined }) })(
      (_r: unknown) => undefined,
    );
    await withCarrier(
      job,
      "outer",
      async () => {
        step(job);
        await withCarrier(job, "shared options", () => undefined, shared);
        await withCarrier(job, "undefined relation", () => undefined, { relation: undefined });
      },
      { relation: "link" },
    );
    const outer = linked();
    for (const name of ["step", "shared options", "undefined relation"])
      assert.deepEqual(placeOf(name), outer, name);
    assert.deepEqual(shared, { kind: SpanKind.INTERNAL });
    exporter.reset();
    // The same options object, alone: the default relation (parent), as before.
    await withCarrier(job, "alone", () => undefined, shared);
    assert.deepEqual(placeOf("alone"), [W3C_TRACE_ID, W3C_PARENT_ID]);
  });

  test("setRestoreDefaults' relation does not count as given: inside an explicit parent restore, a not-given relation nests", async () => {
    const previous = setRestoreDefaults({ relation: "link" });
    try {
      await withCarrier(job, "outer", () => withCarrier(job, "inner", () => undefined), {
        relation: "parent",
      });
    } finally {
      setRestoreDefaults(previous);
    }
    assert.deepEqual(placeOf("outer"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.deepEqual(placeOf("inner"), idsOf("outer"));
  });
});

describe("nested restores: retries, other rows, later callbacks, parallel steps", () => {
  test("inside a retry attempt started in the failed one: the attempt is a sibling; its steps nest under it", async () => {
    const step = traced({ name: "step" })(async (_row: typeof job) => undefined);
    const numbered = traced({ name: "numbered step", optionsFrom: () => ({ attempt: 2 }) })(
      async (_row: typeof job) => undefined,
    );
    await withCarrier(
      job,
      "attempt 1",
      async () => {
        await withCarrier(
          job,
          "attempt 2",
          async () => {
            await step(job);
            await numbered(job);
          },
          { attempt: 2, relation: "link" },
        );
      },
      { attempt: 1, relation: "link" },
    );
    const attempt1 = finishedSpan("attempt 1");
    const attempt2 = finishedSpan("attempt 2");
    assert.notEqual(attempt1.spanContext().traceId, attempt2.spanContext().traceId);
    assert.deepEqual(
      linksOf(attempt2).map((l) => l.spanId),
      [W3C_PARENT_ID],
    );
    assert.equal(attempt2.attributes["tracehop.attempt"], 2);
    assert.deepEqual(placeOf("step"), idsOf("attempt 2"));
    assert.deepEqual(placeOf("numbered step"), idsOf("attempt 2"));
  });

  test("another row that holds the same carrier (two rows written in one request) does not nest; the same row read again does", async () => {
    const written = Date.now() - 1000;
    const rowA = { id: 1, traceContext: W3C_CARRIER, createdAt: new Date(written) };
    const rowB = { id: 2, traceContext: W3C_CARRIER, createdAt: new Date(written + 7) };
    const readAgain = { ...rowA, createdAt: new Date(written) };
    await withCarrier(rowA, "job A", async () => {
      await withCarrier(rowB, "job B", () => undefined);
      await withCarrier(readAgain, "job A step", () => undefined);
    });
    assert.deepEqual(placeOf("job A"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.deepEqual(placeOf("job B"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.deepEqual(placeOf("job A step"), idsOf("job A"));
  });

  test("a callback that runs after the outer restore ended (setTimeout, a promise resolved later) is not put under the ended span", async () => {
    let later!: Promise<unknown>;
    await withCarrier(
      job,
      "outer",
      () => {
        later = new Promise((resolve) =>
          setTimeout(() => resolve(withCarrier(job, "after end", () => undefined)), 5),
        );
      },
      { relation: "link" },
    );
    await later;
    // Work of its own: the stored parent restored again, by the relation it asks for (here the default).
    assert.deepEqual(placeOf("after end"), [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.equal(finishedSpan("after end").attributes["tracehop.relation"], "parent");
  });

  test("two inner restores in parallel (Promise.all): each a child of the outer span, side by side", async () => {
    await withCarrier(
      job,
      "outer",
      () =>
        Promise.all([
          withCarrier(job, "left", async () => {
            await new Promise((resolve) => setTimeout(resolve, 2));
            return withCarrier(job, "left inner", () => undefined);
          }),
          withCarrier(job, "right", async () => undefined),
        ]),
      { relation: "link" },
    );
    const outer = idsOf("outer");
    assert.deepEqual(placeOf("left"), outer);
    assert.deepEqual(placeOf("right"), outer);
    assert.deepEqual(placeOf("left inner"), idsOf("left"));
  });
});

describe("nested restores of a carrier that restores no parent: a restart extraction, a Datadog parent id 0", () => {
  const restart = createPropagator(undefined, { extractBehavior: "restart" });
  /** A Datadog carrier with parent id 0 (Synthetics): a restored root that keeps the stored trace id. */
  const syntheticsJob = {
    id: 2,
    traceContext: {
      "x-datadog-trace-id": "1234",
      "x-datadog-parent-id": "0",
      "x-datadog-sampling-priority": "1",
      "x-datadog-origin": "synthetics",
    },
    createdAt: new Date(),
  };
  const SYNTHETICS_TRACE = "000000000000000000000000000004d2";

  test("restart: the inner restore is a child of the outer one, in its new trace, not the root of another trace", async () => {
    class Worker {
      @traced({ name: "process", propagator: restart })
      async process(row: typeof job) {
        await this.step(row);
      }
      @traced({ name: "step", propagator: restart })
      async step(_row: typeof job) {}
    }
    await new Worker().process(job);
    const [newTrace, processId] = idsOf("process");
    assert.notEqual(newTrace, W3C_TRACE_ID);
    assert.equal(parentIdOf(finishedSpan("process")), undefined);
    assert.deepEqual(
      linksOf(finishedSpan("process")).map((l) => l.spanId),
      [W3C_PARENT_ID],
    );
    assert.deepEqual(placeOf("step"), [newTrace, processId]);
    assert.deepEqual(linksOf(finishedSpan("step")), []);
  });

  test("restart, withCarrier in withCarrier: one new trace, the inner span under the outer", async () => {
    await withCarrier(
      job,
      "outer",
      () => withCarrier(job, "inner", () => undefined, { propagator: restart }),
      {
        propagator: restart,
      },
    );
    assert.deepEqual(placeOf("inner"), idsOf("outer"));
    assert.deepEqual(linksOf(finishedSpan("inner")), []);
  });

  test("Datadog parent id 0, relation parent: the inner span is a child of the outer root, not a second root of the trace", async () => {
    await withCarrier(syntheticsJob, "outer", () => withCarrier(syntheticsJob, "inner", () => undefined));
    assert.deepEqual(placeOf("outer"), [SYNTHETICS_TRACE, undefined]);
    assert.deepEqual(placeOf("inner"), idsOf("outer"));
  });

  test("Datadog parent id 0, relation link: the inner span is a child of the outer, in its new trace, not in the stored trace", async () => {
    await withCarrier(syntheticsJob, "outer", () => withCarrier(syntheticsJob, "inner", () => undefined), {
      relation: "link",
    });
    const [newTrace] = idsOf("outer");
    assert.notEqual(newTrace, SYNTHETICS_TRACE);
    assert.deepEqual(placeOf("inner"), idsOf("outer"));
  });

  test("restart and parent id 0, a retry (another attempt) inside: not nested, a restore of its own as before", async () => {
    await withCarrier(
      job,
      "outer",
      () => withCarrier(job, "retry", () => undefined, { propagator: restart, attempt: 2 }),
      {
        propagator: restart,
      },
    );
    assert.notEqual(idsOf("retry")[0], idsOf("outer")[0]);
    assert.equal(parentIdOf(finishedSpan("retry")), undefined);
    exporter.reset();
    await withCarrier(syntheticsJob, "outer", () =>
      withCarrier(syntheticsJob, "retry", () => undefined, { attempt: 2 }),
    );
    assert.deepEqual(placeOf("retry"), [SYNTHETICS_TRACE, undefined]);
  });
});
