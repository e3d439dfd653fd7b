import { describe, test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { context, propagation } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import {
  captureCarrier,
  DEFAULT_MAX_PARENT_AGE_MS,
  getDatadogContext,
  getRestoreDefaults,
  setRestoreDefaults,
  withCarrier,
} from "../../src/index.js";
import {
  exporter,
  finishedSpan,
  linksOf,
  lowDecimal,
  parentIdOf,
  W3C_CARRIER,
  W3C_PARENT_ID,
  W3C_TRACE_ID,
} from "./tracing.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const MINUTE_MS = 60_000;
const WITH_BAGGAGE = { ...W3C_CARRIER, baggage: "tenant=t-001,plan=gold" };

beforeEach(() => exporter.reset());
afterEach(() => setRestoreDefaults({}));

/** Baggage entries of the active context as a plain object. */
function activeBaggage(): Record<string, string> {
  const bag = propagation.getBaggage(context.active());
  return Object.fromEntries((bag?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));
}

describe("relation: parent, link, none", () => {
  test("parent (the default): child of the stored context, tracehop.relation=parent", () => {
    withCarrier(W3C_CARRIER, "p", () => undefined);
    const span = finishedSpan("p");
    assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.deepEqual(span.links, []);
    assert.equal(span.attributes["tracehop.relation"], "parent");
  });

  test("link: root of a new trace with exactly one link to the stored context; baggage kept", async () => {
    const bag = withCarrier(WITH_BAGGAGE, "l", () => activeBaggage(), { relation: "link" });
    const span = finishedSpan("l");
    assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(span), undefined);
    assert.deepEqual(linksOf(span), [{ traceId: W3C_TRACE_ID, spanId: W3C_PARENT_ID, traceFlags: 1 }]);
    assert.equal(span.attributes["tracehop.relation"], "link");
    assert.deepEqual(bag, { tenant: "t-001", plan: "gold" });
  });

  test("none: root of a new trace, no link; baggage kept", async () => {
    const bag = withCarrier(WITH_BAGGAGE, "n", () => activeBaggage(), { relation: "none" });
    const span = finishedSpan("n");
    assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(span), undefined);
    assert.deepEqual(span.links, []);
    assert.equal(span.attributes["tracehop.relation"], "none");
    assert.deepEqual(bag, { tenant: "t-001", plan: "gold" });
  });

  test("user links come first, the stored context's link last", () => {
    const extra = { traceId: "3229ee39e7d4886d979ce4843ea4b89d", spanId: "d98a9da85188de98", traceFlags: 1 };
    withCarrier(W3C_CARRIER, "l2", () => undefined, { relation: "link", links: [{ context: extra }] });
    assert.deepEqual(linksOf(finishedSpan("l2")), [
      extra,
      { traceId: W3C_TRACE_ID, spanId: W3C_PARENT_ID, traceFlags: 1 },
    ]);
  });
});

describe("relation: auto (maxParentAge, capture time, run)", () => {
  test("young carrier (capturedAt option) -> parent", () => {
    withCarrier(W3C_CARRIER, "young", () => undefined, {
      relation: "auto",
      maxParentAge: 10 * MINUTE_MS,
      capturedAt: Date.now() - MINUTE_MS,
    });
    const span = finishedSpan("young");
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.equal(span.attributes["tracehop.relation"], "parent");
  });

  test("old row (createdAt older than the default maxParentAge) -> new trace with one link", () => {
    const row = {
      id: 7,
      traceContext: W3C_CARRIER,
      createdAt: new Date(Date.now() - DEFAULT_MAX_PARENT_AGE_MS - MINUTE_MS),
    };
    withCarrier(row, "old", () => undefined, { relation: "auto" });
    const span = finishedSpan("old");
    assert.equal(parentIdOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID);
    assert.deepEqual(linksOf(span), [{ traceId: W3C_TRACE_ID, spanId: W3C_PARENT_ID, traceFlags: 1 }]);
    assert.equal(span.attributes["tracehop.relation"], "link");
  });

  test("the capturedAt option (ISO text) wins over the row's createdAt", () => {
    const row = { traceContext: W3C_CARRIER, createdAt: new Date() };
    const capturedAt = new Date(Date.now() - 2 * MINUTE_MS).toISOString();
    withCarrier(row, "iso", () => undefined, { relation: "auto", maxParentAge: MINUTE_MS, capturedAt });
    assert.equal(finishedSpan("iso").attributes["tracehop.relation"], "link");
  });

  test("an ISO text capturedAt is parsed once per withCarrier call (the check and the restore shared it); tracehop.queue.wait is its age in seconds", async () => {
    const capturedAtMs = Date.now() - 2 * MINUTE_MS;
    const capturedAt = new Date(capturedAtMs).toISOString();
    const parse = Date.parse;
    const parsed: string[] = [];
    Date.parse = (text: string) => {
      parsed.push(text);
      return parse(text);
    };
    try {
      withCarrier(W3C_CARRIER, "iso-once", () => undefined, { capturedAt });
    } finally {
      Date.parse = parse;
    }
    assert.equal(parsed.length, 1, `Date.parse calls: ${JSON.stringify(parsed)}`);
    const wait = finishedSpan("iso-once").attributes["tracehop.queue.wait"];
    assert.equal(typeof wait, "number");
    assert.ok((wait as number) >= 120 && (wait as number) < 180, `wait ${wait} s`);
  });

  test("unknown capture time -> parent (age cannot be shown)", () => {
    withCarrier(W3C_CARRIER, "unknown-age", () => undefined, { relation: "auto", maxParentAge: 0 });
    assert.equal(parentIdOf(finishedSpan("unknown-age")), W3C_PARENT_ID);
  });

  test("an unreadable createdAt counts as unknown, never throws", () => {
    withCarrier({ traceContext: W3C_CARRIER, createdAt: "not a date" }, "bad-date", () => undefined, {
      relation: "auto",
      maxParentAge: 0,
    });
    const span = finishedSpan("bad-date");
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.equal(span.attributes["tracehop.queue.wait"], undefined);
  });

  test("capturedAt null (a nullable column without a value) is an unknown capture time, as undefined is not: the row's createdAt is not read", async () => {
    const told = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "null-age", () => undefined, {
        relation: "auto",
        maxParentAge: 0,
        capturedAt: null,
      });
      const row = { traceContext: W3C_CARRIER, createdAt: new Date(Date.now() - 2 * MINUTE_MS) };
      withCarrier(row, "null-over-row", () => undefined, {
        relation: "auto",
        maxParentAge: MINUTE_MS,
        capturedAt: null,
      });
    });
    for (const name of ["null-age", "null-over-row"]) {
      const span = finishedSpan(name);
      assert.equal(parentIdOf(span), W3C_PARENT_ID, name);
      assert.equal(span.attributes["tracehop.queue.wait"], undefined, name);
    }
    assert.deepEqual([told.processWarnings, told.diagWarnings], [[], []]);
  });

  test("attempt and run may be bigints (a Prisma BigInt column), taken as their numbers: run 2n links as run 2 does", () => {
    const capturedAt = Date.now();
    withCarrier(W3C_CARRIER, "bigint-run", () => undefined, {
      relation: "auto",
      run: 2n,
      attempt: 3n,
      capturedAt,
    });
    const span = finishedSpan("bigint-run");
    assert.equal(parentIdOf(span), undefined);
    assert.equal(linksOf(span).length, 1);
    assert.deepEqual([span.attributes["tracehop.run"], span.attributes["tracehop.attempt"]], [2, 3]);
    withCarrier(W3C_CARRIER, "bigint-run-1", () => undefined, { relation: "auto", run: 1n, capturedAt });
    assert.equal(parentIdOf(finishedSpan("bigint-run-1")), W3C_PARENT_ID);
  });

  test("a later run of a repeating job links even when young; run 1 parents", () => {
    const capturedAt = Date.now();
    withCarrier(W3C_CARRIER, "run-1", () => undefined, { relation: "auto", run: 1, capturedAt });
    withCarrier(W3C_CARRIER, "run-2", () => undefined, { relation: "auto", run: 2, capturedAt });
    assert.equal(parentIdOf(finishedSpan("run-1")), W3C_PARENT_ID);
    const run2 = finishedSpan("run-2");
    assert.equal(parentIdOf(run2), undefined);
    assert.equal(run2.attributes["tracehop.run"], 2);
    assert.equal(linksOf(run2).length, 1);
  });

  test("setRestoreDefaults sets the process default; a per-call relation wins; {} resets", () => {
    const before = setRestoreDefaults({ relation: "auto", maxParentAge: 1000 });
    assert.deepEqual(before, { relation: "parent", maxParentAge: DEFAULT_MAX_PARENT_AGE_MS });
    const old = Date.now() - 2000;
    withCarrier(W3C_CARRIER, "by-default", () => undefined, { capturedAt: old });
    withCarrier(W3C_CARRIER, "per-call", () => undefined, { capturedAt: old, relation: "parent" });
    assert.equal(finishedSpan("by-default").attributes["tracehop.relation"], "link");
    assert.equal(finishedSpan("per-call").attributes["tracehop.relation"], "parent");
    setRestoreDefaults({});
    assert.deepEqual(getRestoreDefaults(), { relation: "parent", maxParentAge: DEFAULT_MAX_PARENT_AGE_MS });
  });

  test("maxParentAge without relation auto changes nothing and is said once per process (TRACEHOP_MAX_PARENT_AGE_UNUSED)", async () => {
    resetWarnings();
    const old = Date.now() - MINUTE_MS;
    const { processWarnings, diagWarnings } = await recordWarnings(() => {
      // Read by auto alone: no warning, and the 60 s old context is linked.
      withCarrier(W3C_CARRIER, "auto", () => undefined, {
        capturedAt: old,
        relation: "auto",
        maxParentAge: 1000,
      });
      withCarrier(W3C_CARRIER, "default", () => undefined, { capturedAt: old, maxParentAge: 1000 });
      withCarrier(W3C_CARRIER, "again", () => undefined, {
        capturedAt: old,
        maxParentAge: 1000,
        relation: "link",
      });
    });
    assert.equal(finishedSpan("auto").attributes["tracehop.relation"], "link");
    assert.equal(finishedSpan("default").attributes["tracehop.relation"], "parent", "still works as before");
    assert.equal(finishedSpan("again").attributes["tracehop.relation"], "link");
    const message =
      'tracehop withCarrier: maxParentAge (1000 ms) is read only by relation "auto", and the relation here ' +
      'is "parent" (setRestoreDefaults\' default): the span is related to the stored context the same way ' +
      'whatever its age. Pass relation: "auto" with maxParentAge (or setRestoreDefaults({ relation: "auto" })) ' +
      "to start a new trace, linked to it, past that age";
    assert.deepEqual(processWarnings, [["TRACEHOP_MAX_PARENT_AGE_UNUSED", message]]);
    assert.deepEqual(diagWarnings, [message]);

    // The relation in effect: the call's own, else the process default.
    resetWarnings();
    setRestoreDefaults({ relation: "auto" });
    const quiet = await recordWarnings(() =>
      withCarrier(W3C_CARRIER, "auto-default", () => undefined, { capturedAt: old, maxParentAge: 1000 }),
    );
    assert.deepEqual(quiet.processWarnings, []);
    assert.equal(finishedSpan("auto-default").attributes["tracehop.relation"], "link");
    const given = await recordWarnings(() =>
      withCarrier(W3C_CARRIER, "none", () => undefined, { relation: "none", maxParentAge: 1000 }),
    );
    assert.deepEqual(
      given.processWarnings.map(([code]) => code),
      ["TRACEHOP_MAX_PARENT_AGE_UNUSED"],
    );
    assert.match(
      given.processWarnings[0]![1],
      /^tracehop withCarrier: maxParentAge \(1000 ms\) .* the relation here is "none" \(given\):/,
    );
  });

  test("setRestoreDefaults({ maxParentAge }) with a relation other than auto is said once (TRACEHOP_MAX_PARENT_AGE_UNUSED)", async () => {
    resetWarnings();
    const { processWarnings } = await recordWarnings(() => {
      // What it returns, handed back (the initial defaults: the default maxParentAge), says nothing.
      setRestoreDefaults(setRestoreDefaults({ relation: "link" }));
      setRestoreDefaults({ relation: "auto", maxParentAge: 1000 });
      setRestoreDefaults({ maxParentAge: 1000 });
      setRestoreDefaults({ relation: "link", maxParentAge: 2000 });
    });
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_MAX_PARENT_AGE_UNUSED",
        'tracehop setRestoreDefaults: maxParentAge (1000 ms) is read only by relation "auto", and the default ' +
          'relation is "parent": only calls that pass relation: "auto" themselves use it. For every restore, ' +
          'setRestoreDefaults({ relation: "auto", maxParentAge: 1000 })',
      ],
    ]);
    assert.deepEqual(getRestoreDefaults(), { relation: "link", maxParentAge: 2000 }, "not refused");
  });

  test("setRestoreDefaults rejects bad values with a TypeError that names them", () => {
    assert.throws(() => setRestoreDefaults({ relation: "sibling" as never }), /relation must be/);
    assert.throws(() => setRestoreDefaults({ maxParentAge: Number.NaN }), /maxParentAge/);
    assert.deepEqual(getRestoreDefaults().relation, "parent", "a rejected call changes nothing");
  });
});

describe("queue wait", () => {
  test("tracehop.queue.wait = restore time - row.createdAt, in seconds", () => {
    const createdAt = new Date(Date.now() - 90_000);
    const before = Date.now();
    withCarrier({ traceContext: W3C_CARRIER, createdAt }, "waited", () => undefined);
    const after = Date.now();
    const span = finishedSpan("waited");
    const wait = span.attributes["tracehop.queue.wait"] as number;
    assert.equal(typeof wait, "number");
    assert.ok(wait >= (before - createdAt.getTime()) / 1000, `wait ${wait} s covers at least the row's age`);
    assert.ok(
      wait <= (after - createdAt.getTime()) / 1000,
      `wait ${wait} s is not more than the elapsed time`,
    );
    assert.ok(hrTimeToMilliseconds(span.startTime) >= createdAt.getTime());
  });

  test("epoch-millisecond capture times work; a capture time in the future (clock skew) gives 0", () => {
    withCarrier(W3C_CARRIER, "ms", () => undefined, { capturedAt: Date.now() - 5000 });
    withCarrier(W3C_CARRIER, "future", () => undefined, { capturedAt: Date.now() + 60_000 });
    assert.ok((finishedSpan("ms").attributes["tracehop.queue.wait"] as number) >= 5);
    assert.equal(finishedSpan("future").attributes["tracehop.queue.wait"], 0);
  });

  test("a capture time that looks like Unix seconds is read as milliseconds, as documented, and warned about once", async () => {
    resetWarnings();
    const seconds = Math.floor(Date.now() / 1000) - 30;
    const before = Date.now();
    const { processWarnings, diagWarnings } = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "seconds-option", () => undefined, { capturedAt: seconds });
      withCarrier({ traceContext: W3C_CARRIER, createdAt: seconds }, "seconds-row", () => undefined);
    });
    const after = Date.now();
    // Milliseconds all the same: decades old, the time since `seconds` epoch milliseconds, in seconds.
    for (const name of ["seconds-option", "seconds-row"]) {
      const wait = finishedSpan(name).attributes["tracehop.queue.wait"] as number;
      assert.ok(
        wait >= (before - seconds) / 1000 && wait <= (after - seconds) / 1000,
        `${name}: wait ${wait} s is the time since ${seconds} ms`,
      );
    }
    const message =
      `tracehop: a capture time (the capturedAt option or a row's createdAt) of ${seconds} is read as ` +
      `epoch milliseconds, ${new Date(seconds).toISOString()}: if it is a Unix time in seconds, give ` +
      `milliseconds (seconds * 1000) or a Date; otherwise relation "auto" and tracehop.queue.wait take ` +
      `every restore for decades old`;
    assert.deepEqual(processWarnings, [["TRACEHOP_CAPTURED_AT_SECONDS", message]]);
    assert.deepEqual(diagWarnings, [message]);
  });

  test("a bigint or a text of digits is epoch milliseconds (a BigInt column, node-postgres' int8 text)", async () => {
    resetWarnings();
    const ms = Date.now() - 90_000;
    const before = Date.now();
    const { processWarnings } = await recordWarnings(() => {
      withCarrier({ traceContext: W3C_CARRIER, createdAt: BigInt(ms) }, "bigint-row", () => undefined);
      withCarrier(W3C_CARRIER, "digits-option", () => undefined, { capturedAt: String(ms) });
      // "0" would be the year 2000 to Date.parse, and a Unix time in seconds unknown (NaN): both are numbers.
      withCarrier(W3C_CARRIER, "seconds-text", () => undefined, {
        capturedAt: String(Math.floor(ms / 1000)),
      });
      // Beyond a Date's range (8.64e15 ms), and 2^53: unknown.
      withCarrier(W3C_CARRIER, "huge-bigint", () => undefined, { capturedAt: 2n ** 60n });
    });
    const after = Date.now();
    for (const name of ["bigint-row", "digits-option"]) {
      const wait = finishedSpan(name).attributes["tracehop.queue.wait"] as number;
      assert.ok(wait >= (before - ms) / 1000 && wait <= (after - ms) / 1000, `${name}: wait ${wait} s`);
    }
    assert.ok((finishedSpan("seconds-text").attributes["tracehop.queue.wait"] as number) > 50 * 365 * 86_400);
    assert.equal(finishedSpan("huge-bigint").attributes["tracehop.queue.wait"], undefined);
    // The seconds-like text is read (and warned about); 2^60, no exact time, is left out, said once.
    assert.deepEqual(
      processWarnings.map(([code, message]) => [code, message.slice(0, 49)]),
      [
        ["TRACEHOP_CAPTURED_AT_SECONDS", "tracehop: a capture time (the capturedAt option o"],
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withCarrier: options.capturedAt must be "],
      ],
    );
  });

  test("a text that is not an ISO 8601 date is unknown, not what Date.parse makes of it; a SQL timestamp is read", () => {
    for (const text of ["May 5", "-5", "1 2", "Tue, 01 Dec 2026 10:00:00 GMT"]) {
      withCarrier(W3C_CARRIER, `lenient ${text}`, () => undefined, { capturedAt: text });
      assert.equal(finishedSpan(`lenient ${text}`).attributes["tracehop.queue.wait"], undefined, text);
    }
    const sql = new Date(Date.now() - 90_000);
    const pad = (n: number) => String(n).padStart(2, "0");
    // As a SQL client prints a timestamp without a zone: local time.
    const text =
      `${sql.getFullYear()}-${pad(sql.getMonth() + 1)}-${pad(sql.getDate())} ` +
      `${pad(sql.getHours())}:${pad(sql.getMinutes())}:${pad(sql.getSeconds())}`;
    withCarrier(W3C_CARRIER, "sql timestamp", () => undefined, { capturedAt: text });
    const wait = finishedSpan("sql timestamp").attributes["tracehop.queue.wait"] as number;
    assert.ok(wait >= 89 && wait < 120, `wait ${wait} s`);
  });

  test("a Date before 1973 is warned about as a number is (a Date built from Unix seconds)", async () => {
    resetWarnings();
    const seconds = Math.floor(Date.now() / 1000);
    const { processWarnings } = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "seconds-date", () => undefined, { capturedAt: new Date(seconds) });
    });
    assert.deepEqual(
      processWarnings.map(([code]) => code),
      ["TRACEHOP_CAPTURED_AT_SECONDS"],
    );
    assert.ok((finishedSpan("seconds-date").attributes["tracehop.queue.wait"] as number) > 50 * 365 * 86_400);
  });

  test("a capture time in milliseconds, a Date or ISO text is not warned about", async () => {
    resetWarnings();
    const { processWarnings } = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "ms-ok", () => undefined, { capturedAt: Date.now() - 5000 });
      withCarrier(W3C_CARRIER, "date-ok", () => undefined, { capturedAt: new Date() });
      withCarrier(W3C_CARRIER, "iso-ok", () => undefined, { capturedAt: new Date().toISOString() });
    });
    assert.deepEqual(processWarnings, []);
  });
});

describe("link mode keeps baggage and the trace-independent Datadog fields (docs/restore.md 'Link mode: what survives')", () => {
  const STORED = {
    "x-datadog-trace-id": "1234567890123456789",
    "x-datadog-parent-id": "987654321",
    "x-datadog-sampling-priority": "2",
    "x-datadog-origin": "rum",
    "x-datadog-tags": "_dd.p.dm=-4,_dd.p.usr.id=u-42,_dd.p.tid=640cfd8d00000000",
    baggage: "tenant=t-001",
  };

  test("user keep (2): origin, _dd.p.* (not tid), decision maker and priority carry to the new root", async () => {
    const inside = await withCarrier(
      STORED,
      "dd-link",
      async () => ({
        dd: getDatadogContext(context.active()),
        bag: activeBaggage(),
        carrier: captureCarrier(),
      }),
      { relation: "link" },
    );
    const span = finishedSpan("dd-link");
    const storedTraceId =
      "640cfd8d00000000" + BigInt(STORED["x-datadog-trace-id"]).toString(16).padStart(16, "0");
    assert.notEqual(span.spanContext().traceId, storedTraceId);
    assert.equal(linksOf(span)[0]?.traceId, storedTraceId);
    assert.deepEqual(inside.dd, {
      samplingPriority: 2,
      origin: "rum",
      propagationTags: { "_dd.p.dm": "-4", "_dd.p.usr.id": "u-42" },
    });
    assert.deepEqual(inside.bag, { tenant: "t-001" });
    // What the next hop receives: the new trace, with the kept fields.
    assert.equal(inside.carrier["x-datadog-trace-id"], lowDecimal(span.spanContext().traceId));
    assert.equal(inside.carrier["x-datadog-sampling-priority"], "2");
    assert.equal(inside.carrier["x-datadog-origin"], "rum");
    assert.match(inside.carrier["x-datadog-tags"] ?? "", /_dd\.p\.usr\.id=u-42/);
    assert.doesNotMatch(inside.carrier["x-datadog-tags"] ?? "", /640cfd8d00000000/);
    assert.equal(inside.carrier.baggage, "tenant=t-001");
  });

  test("automatic keep (1): priority and decision maker stay with the stored trace; origin and tags carry", async () => {
    const auto = {
      ...STORED,
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.dm=-1,_dd.p.usr.id=u-42",
    };
    const dd = withCarrier(auto, "dd-auto", () => getDatadogContext(context.active()), { relation: "link" });
    assert.deepEqual(dd, { origin: "rum", propagationTags: { "_dd.p.usr.id": "u-42" } });
  });

  // Found in a migration trial: the rate of the stored trace's automatic decision (an agent rate, -1, at
  // 0.25) was kept on the new trace, whose decision the sampler makes: a rate never applied to it.
  test("automatic keep (1) by an agent rate: its _dd.p.ksr stays with the stored trace too", async () => {
    const rated = {
      ...STORED,
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.dm=-1,_dd.p.ksr=0.25,_dd.p.usr.id=u-42",
    };
    const inside = await withCarrier(
      rated,
      "dd-auto-ksr",
      async () => ({ dd: getDatadogContext(context.active()), carrier: captureCarrier() }),
      { relation: "link" },
    );
    assert.deepEqual(inside.dd, { origin: "rum", propagationTags: { "_dd.p.usr.id": "u-42" } });
    // The new trace's own _dd.p.tid, then the kept tag: no rate, no decision maker.
    assert.match(inside.carrier["x-datadog-tags"] ?? "", /^_dd\.p\.tid=[0-9a-f]{16},_dd\.p\.usr\.id=u-42$/);
    assert.doesNotMatch(inside.carrier.tracestate ?? "", /ksr/);
  });

  test("user keep (2) by a sampling rule (-3): the rule's _dd.p.ksr carries with its decision", () => {
    const rule = { ...STORED, "x-datadog-tags": "_dd.p.dm=-3,_dd.p.ksr=0.5" };
    const dd = withCarrier(rule, "dd-rule-ksr", () => getDatadogContext(context.active()), {
      relation: "link",
    });
    assert.deepEqual(dd, {
      samplingPriority: 2,
      origin: "rum",
      propagationTags: { "_dd.p.dm": "-3", "_dd.p.ksr": "0.5" },
    });
  });

  test("a carrier with only automatic fields gives the new root no Datadog fields at all", () => {
    const plain = {
      "x-datadog-trace-id": "1234567890123456789",
      "x-datadog-parent-id": "987654321",
      "x-datadog-sampling-priority": "1",
    };
    const dd = withCarrier(plain, "dd-plain", () => getDatadogContext(context.active()), {
      relation: "link",
    });
    assert.ok(dd === undefined || (dd.samplingPriority === undefined && dd.origin === undefined));
    assert.deepEqual(dd?.propagationTags ?? {}, {});
  });
});
