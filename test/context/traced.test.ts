import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { traced, type TraceCarrierProvider } from "../../src/index.js";
import { exporter, finishedSpan, parentIdOf, W3C_CARRIER, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

beforeEach(() => exporter.reset());

interface JobRow extends TraceCarrierProvider {
  id: number;
  text: string;
}
const row = (id: number): JobRow => ({ id, text: "One. Two.", traceContext: W3C_CARRIER });

class Worker {
  readonly seen: (string | undefined)[] = [];
  constructor(readonly prefix: string) {}

  @traced({ kind: SpanKind.CONSUMER })
  async process(job: JobRow): Promise<string> {
    this.seen.push(trace.getActiveSpan()?.spanContext().spanId);
    await sleep(1);
    this.seen.push(trace.getActiveSpan()?.spanContext().spanId);
    return `${this.prefix}:${job.id}`;
  }

  @traced()
  fail(_job: JobRow): never {
    throw new SyntaxError("unparsable");
  }

  @traced({ name: "custom-name", carrierFrom: ([headers]) => headers })
  fromHeaders(_headers: Record<string, string>, n: number): number {
    return n * 2;
  }

  @traced()
  *sentences(job: JobRow): Generator<string> {
    for (const s of job.text.split(" ")) yield s;
  }

  @traced()
  static create(prefix: string): Worker {
    return new Worker(prefix);
  }

  @traced({ optionsFrom: ([, attempt]: [JobRow, number]) => ({ attempt }) })
  retry(_job: JobRow, _attempt: number): number | undefined {
    return trace.getActiveSpan() ? 1 : undefined;
  }
}

class SpecialWorker extends Worker {}

describe("@traced on methods (TC39 standard decorators)", () => {
  test("default span name Class.method; the carrier comes from the row argument; this passes through", async () => {
    const worker = new Worker("w");
    assert.equal(await worker.process(row(3)), "w:3");
    const span = finishedSpan("Worker.process");
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.deepEqual(
      worker.seen,
      [span.spanContext().spanId, span.spanContext().spanId],
      "active across awaits",
    );
  });

  test("the declaring class names the span, also when a subclass instance calls it", async () => {
    await new SpecialWorker("s").process(row(1));
    assert.equal(finishedSpan("Worker.process").name, "Worker.process");
  });

  test("a throwing method records the error and rethrows it unchanged", () => {
    const worker = new Worker("w");
    assert.throws(() => worker.fail(row(1)), SyntaxError);
    const span = finishedSpan("Worker.fail");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, "unparsable");
  });

  test("carrierFrom picks the carrier; name overrides the default; arguments pass through", () => {
    assert.equal(new Worker("w").fromHeaders(W3C_CARRIER, 21), 42);
    assert.equal(parentIdOf(finishedSpan("custom-name")), W3C_PARENT_ID);
  });

  test("a generator method is traced step by step and ends when done", () => {
    assert.deepEqual([...new Worker("w").sentences(row(1))], ["One.", "Two."]);
    assert.equal(parentIdOf(finishedSpan("Worker.sentences")), W3C_PARENT_ID);
  });

  test("a static method is named after its class; with no carrier the active span is the parent", () => {
    const outer = trace.getTracer("test").startSpan("outer");
    context.with(trace.setSpan(context.active(), outer), () => Worker.create("x"));
    outer.end();
    const span = finishedSpan("Worker.create");
    assert.equal(parentIdOf(span), outer.spanContext().spanId);
    assert.equal(span.attributes["tracehop.relation"], undefined);
  });

  test("optionsFrom gives per-call options (the attempt number from the arguments)", () => {
    assert.equal(new Worker("w").retry(row(1), 3), 1);
    assert.equal(finishedSpan("Worker.retry").attributes["tracehop.attempt"], 3);
  });

  test("an optionsFrom value that is undefined is absent: the static option stays (exactOptionalPropertyTypes callers)", () => {
    const run = traced({
      name: "static-link",
      relation: "link",
      attempt: 2,
      optionsFrom: ([attempt]: [number | undefined]) => ({ relation: undefined, attempt }),
    })((_attempt: number | undefined) => 1);
    run(undefined);
    const span = finishedSpan("static-link");
    assert.equal(span.attributes["tracehop.relation"], undefined, "no carrier: nothing to relate");
    assert.equal(span.attributes["tracehop.attempt"], 2);
    exporter.reset();
    traced({ name: "with-carrier", relation: "link", optionsFrom: () => ({ relation: undefined }) })(
      (_row: TraceCarrierProvider) => 1,
    )({ traceContext: W3C_CARRIER });
    assert.equal(finishedSpan("with-carrier").attributes["tracehop.relation"], "link");
  });

  test("the decorated method keeps its name", () => {
    assert.equal(Worker.prototype.process.name, "process");
  });
});

describe("traced(opts)(fn) as a higher-order function", () => {
  test("wraps a function: name from the function, carrier from the first argument with traceContext", async () => {
    const handle = traced()(async function handleOutbox(_n: number, _outbox: JobRow) {
      await sleep(1);
      return trace.getActiveSpan()?.spanContext().traceId;
    });
    assert.equal(await handle(1, row(9)), W3C_TRACE_ID);
    assert.equal(parentIdOf(finishedSpan("handleOutbox")), W3C_PARENT_ID);
  });

  test("docs/restore.md's relay: carrierFrom picks the headers; the unannotated parameter is typed from its tuple", async () => {
    const published: unknown[] = [];
    interface Outbox {
      id: number;
      headers: Record<string, string>;
    }
    const relay = traced({ name: "relay", carrierFrom: ([row]: [Outbox]) => row.headers })(async (outbox) => {
      published.push(outbox.id);
      return trace.getActiveSpan()?.spanContext().traceId;
    });
    assert.equal(await relay({ id: 7, headers: W3C_CARRIER }), W3C_TRACE_ID);
    assert.deepEqual(published, [7]);
    assert.equal(parentIdOf(finishedSpan("relay")), W3C_PARENT_ID);
  });

  test("a row whose traceContext is null counts as no carrier: child of the active context", () => {
    const fn = traced({ name: "no-carrier" })((_r: { traceContext: null }) => undefined);
    const outer = trace.getTracer("test").startSpan("outer");
    context.with(trace.setSpan(context.active(), outer), () => fn({ traceContext: null }));
    outer.end();
    assert.equal(parentIdOf(finishedSpan("no-carrier")), outer.spanContext().spanId);
  });

  test("outside any span and without a carrier the span is a root", () => {
    traced({ name: "lonely" })(() => 1)();
    assert.equal(parentIdOf(finishedSpan("lonely")), undefined);
  });

  test("an anonymous arrow gets the name 'anonymous'", () => {
    const fns = [() => 1];
    traced()(fns[0]!)();
    assert.equal(finishedSpan("anonymous").name, "anonymous");
  });

  test("a throwing carrierFrom never fails the call: the span continues the active context, said once per process", async () => {
    resetWarnings();
    const fn = traced({
      name: "bad-picker",
      carrierFrom: () => {
        throw new Error("picker bug");
      },
    })(() => "still ran");
    const told = await recordWarnings(() => [fn(), fn()]);
    assert.deepEqual(told.result, ["still ran", "still ran"]);
    assert.deepEqual(
      exporter.getFinishedSpans().map((span) => parentIdOf(span)),
      [undefined, undefined],
    );
    const message =
      'tracehop traced: carrierFrom threw ("Error: picker bug"); the call\'s span continues the active context, so ' +
      "its stored trace is not continued (the work itself goes on). Fix carrierFrom: return the carrier, or " +
      "undefined for none";
    assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_FROM_FAILED", message]]);
    assert.deepEqual(told.diagWarnings, [message]);
    resetWarnings();
  });

  test("bad options and bad targets are TypeErrors at wrapping time", () => {
    assert.throws(() => traced({ relation: "up" as never }), /relation must be/);
    assert.throws(() => traced({ name: 5 as never }), /name must be a string/);
    assert.throws(
      () => traced()("not a function" as never),
      /^TypeError: tracehop traced: the value wrapped must be a function, got "not a function"$/,
    );
    assert.throws(
      () => traced({ carrierFrom: 5 as never }),
      /carrierFrom must be a function of the call's arguments/,
    );
    assert.throws(() => traced({ optionsFrom: "x" as never }), /optionsFrom must be a function/);
    assert.throws(() => traced({ kind: "SERVER" as never }), /kind must be a SpanKind/);
    // TypeScript's legacy decorators call (prototype, name, descriptor): the error names the setting.
    for (const target of [{}, class Worker {}])
      // an instance method (prototype), a static one (constructor)
      assert.throws(
        () => traced()(target as never, "process" as never),
        /tracehop traced: @traced must be compiled as a TC39 standard decorator \(turn "experimentalDecorators" off, or wrap the method by hand: traced\(options\)\(fn\)\), got a legacy decorator call for "process"$/,
      );
    assert.throws(
      () => traced()((() => 1) as never, { kind: "field", name: "x" } as never),
      /^TypeError: tracehop traced: @traced must decorate a method, got a "field" decorator context$/,
    );
  });

  test("@traced on a class field or an accessor names the decorator context, whatever the value decorated", () => {
    // A field decorator is given undefined, an accessor decorator { get, set }: the kind is what is wrong.
    assert.throws(() => {
      class Handler {
        @(traced() as unknown as (value: unknown, context: unknown) => void) handle = (row: unknown) => row;
      }
      return new Handler();
    }, /^TypeError: tracehop traced: @traced must decorate a method, got a "field" decorator context$/);
    assert.throws(() => {
      class Handler {
        @(traced() as unknown as (value: unknown, context: unknown) => void) accessor handle = 1;
      }
      return new Handler();
    }, /^TypeError: tracehop traced: @traced must decorate a method, got an "accessor" decorator context$/);
    for (const [value, kind] of [
      [undefined, "field"],
      [{ get() {}, set() {} }, "accessor"],
      [class {}, "class"],
      [undefined, "setter"],
    ] as const)
      assert.throws(
        () => traced()(value as never, { kind, name: "x" } as never),
        new RegExp(
          `^TypeError: tracehop traced: @traced must decorate a method, got an? "${kind}" decorator context$`,
        ),
      );
  });

  test("every error of traced and @traced begins with the public function's name, `tracehop traced: `", async () => {
    const misuses: (() => unknown)[] = [
      () => traced({ name: 7 as never }),
      () => traced({ carrierFrom: "x" as never }),
      () => traced({ relation: "child" as never }),
      () => traced()(42 as never),
      () => traced()({} as never, "process" as never),
      () => traced()((() => 1) as never, { kind: "getter", name: "x" } as never),
    ];
    for (const misuse of misuses)
      assert.throws(
        misuse,
        (err: Error) => err instanceof TypeError && err.message.startsWith("tracehop traced: "),
      );
    // Per-call options that fail their checks: reported (the call runs with the static options), with the
    // same prefix.
    const reasons: unknown[] = [];
    const silent = { error() {}, info() {}, debug() {}, verbose() {} };
    diag.setLogger(
      { ...silent, warn: (_message: string, err: unknown) => reasons.push(err) },
      DiagLogLevel.WARN,
    );
    try {
      traced({ name: "per-call", optionsFrom: () => ({ relation: "child" as never }) })(() => 1)();
    } finally {
      diag.disable();
    }
    assert.equal(reasons.length, 1);
    assert.match((reasons[0] as Error).message, /^tracehop traced: relation must be/);
  });
});

test("maxParentAge without relation auto on a traced call with no carrier names traced, not withCarrier (TRACEHOP_MAX_PARENT_AGE_UNUSED)", async () => {
  resetWarnings();
  const { processWarnings } = await recordWarnings(() => {
    traced({ name: "no-carrier", maxParentAge: 1000 })((_n: number) => 1)(1);
  });
  assert.equal(processWarnings.length, 1, JSON.stringify(processWarnings));
  assert.equal(processWarnings[0]![0], "TRACEHOP_MAX_PARENT_AGE_UNUSED");
  assert.match(
    processWarnings[0]![1],
    /^tracehop traced: maxParentAge \(1000 ms\) is read only by relation "auto"/,
  );
});
