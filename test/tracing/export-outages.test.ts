/**
 * Each outage of an export destination is said, not only the process's first (a collector down again
 * hours later was silent): CountingExporter between the BatchSpanProcessor and an exporter whose
 * results the test gives, on a clock the test moves. A failure is said at once when the last line that
 * said one is at least FAILURE_LINE_INTERVAL_MS old, else at the first export that ends after that.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { CountingExporter, FAILURE_LINE_INTERVAL_MS } from "../../src/tracing/CountingExporter.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const DESTINATION = "http://127.0.0.1:4318/v1/traces";
const START = Date.parse("2026-12-03T10:00:00.000Z");

/** A clock the test moves, and a CountingExporter whose exports end as the test says. */
function setUp(firstFailureSaid = false, destination = DESTINATION) {
  let now = START;
  const inner: SpanExporter = {
    export: (_spans, done) => done(next),
    shutdown: async () => {},
  };
  let next: ExportResult = { code: ExportResultCode.SUCCESS };
  const counting = new CountingExporter(inner, destination, firstFailureSaid, () => now);
  /** Exports `spans` (or that many new spans) at `minutes` after START, ending as `ok` says. */
  const exportAt = (minutes: number, spans: number | ReadableSpan[], ok: boolean) => {
    now = START + minutes * 60_000;
    next = ok
      ? { code: ExportResultCode.SUCCESS }
      : { code: ExportResultCode.FAILED, error: new Error("connect ECONNREFUSED 127.0.0.1:4318") };
    counting.export(typeof spans === "number" ? newSpans(spans) : spans, () => {});
  };
  return { counting, exportAt };
}

/** `count` spans as an exporter reads them. */
const newSpans = (count: number) =>
  Array.from({ length: count }, () => ({ links: [] }) as unknown as ReadableSpan);

const REFUSED = "connect ECONNREFUSED 127.0.0.1:4318";
const LINE_END =
  "Later failed exports there are counted, not said one by one (a failure after exporting works again " +
  "is said, at most once in 5 minutes); shutdown() says how many spans were lost in all";

beforeEach(resetWarnings);

describe("outages of an export destination", () => {
  test("the interval is five minutes", () => {
    assert.equal(FAILURE_LINE_INTERVAL_MS, 300_000);
  });

  test("a second outage an hour later is said, and its end, with its own spans", async () => {
    const { counting, exportAt } = setUp();
    const { processWarnings } = await recordWarnings(() => {
      exportAt(0, 3, false);
      exportAt(1, 2, false);
      exportAt(2, 1, true);
      exportAt(60, 4, false);
      exportAt(61, 1, true);
    });
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_EXPORT_FAILED",
        `tracehop: an export of 3 spans to ${DESTINATION} failed: ${REFUSED}; those spans are lost. ${LINE_END}`,
      ],
      [
        "TRACEHOP_EXPORT_RESUMED",
        `tracehop: exporting to ${DESTINATION} works again; 5 spans were lost while it failed (the first ` +
          `failure: ${REFUSED}); shutdown() says how many spans were lost in all`,
      ],
      [
        "TRACEHOP_EXPORT_FAILED",
        `tracehop: exports to ${DESTINATION} fail again: 1 export of 4 spans failed since ` +
          `2026-12-03T11:00:00.000Z (the first failure: ${REFUSED}); those spans are lost (9 spans in this ` +
          `process so far). ${LINE_END}`,
      ],
      [
        "TRACEHOP_EXPORT_RESUMED",
        `tracehop: exporting to ${DESTINATION} works again; 4 spans were lost while it failed (the first ` +
          `failure: ${REFUSED}); shutdown() says how many spans were lost in all`,
      ],
    ]);
    assert.equal(counting.lostInAll, 9);
    assert.equal(counting.failedExports, 3);
  });

  test("a destination that comes and goes: one failure line per five minutes, the outages between counted in it", async () => {
    const { exportAt } = setUp();
    const { processWarnings } = await recordWarnings(() => {
      exportAt(0, 1, false); // said at once
      exportAt(0.5, 1, true); // said: works again
      exportAt(1, 2, false); // within 5 minutes of the last failure line: not yet
      exportAt(1.5, 1, true);
      exportAt(2, 3, false);
      exportAt(4.9, 1, true); // still within: nothing
      exportAt(5, 1, true); // the interval is over: the two outages since minute 1, over by now
      exportAt(6, 1, false); // a failure line was said a minute ago: waits
      exportAt(11, 2, false); // five minutes on, still failing: said
      exportAt(12, 1, true);
    });
    assert.deepEqual(
      processWarnings.map(([code, message]) => [code, message.replace(`${DESTINATION} `, "")]),
      [
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: an export of 1 span to failed: ${REFUSED}; those spans are lost. ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to works again; 1 span was lost while it failed (the first failure: ${REFUSED}); ` +
            "shutdown() says how many spans were lost in all",
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exports to failed again and work now: 2 exports of 5 spans failed since ` +
            `2026-12-03T10:01:00.000Z (the first failure: ${REFUSED}); those spans are lost (6 spans in this ` +
            "process so far); shutdown() says how many spans were lost in all",
        ],
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: exports to fail again: 2 exports of 3 spans failed since 2026-12-03T10:06:00.000Z (the ` +
            `first failure: ${REFUSED}); those spans are lost (9 spans in this process so far). ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to works again; 3 spans were lost while it failed (the first failure: ${REFUSED}); ` +
            "shutdown() says how many spans were lost in all",
        ],
      ],
    );
  });

  test("the spans file's first failure is its own warning's; a later outage is said here", async () => {
    const { exportAt } = setUp(true);
    const { processWarnings } = await recordWarnings(() => {
      exportAt(0, 2, false);
      exportAt(1, 1, true);
      exportAt(30, 1, false);
    });
    assert.deepEqual(
      processWarnings.map(([code]) => code),
      ["TRACEHOP_EXPORT_RESUMED", "TRACEHOP_EXPORT_FAILED"],
    );
    assert.match(
      processWarnings[1]![1],
      /fail again: 1 export of 1 span failed since 2026-12-03T10:30:00\.000Z/,
    );
  });

  test("the last exports (shutdown) are not said here: the final line counts them", async () => {
    const { counting, exportAt } = setUp();
    const { processWarnings } = await recordWarnings(() => {
      exportAt(0, 1, false);
      exportAt(1, 1, true);
      counting.lastExports();
      exportAt(60, 2, false);
    });
    assert.deepEqual(
      processWarnings.map(([code]) => code),
      ["TRACEHOP_EXPORT_FAILED", "TRACEHOP_EXPORT_RESUMED"],
    );
    assert.equal(counting.lostInAll, 3);
    assert.equal(counting.lostWhileRunning, 1);
  });
});

describe("an OTLP destination written beside a spans file", () => {
  const FILE = "the spans file /tmp/spans.jsonl";

  test("its lines say how many of the spans it lost the spans file has, and why not the others", async () => {
    const { counting, exportAt } = setUp();
    const file = setUp(true, FILE);
    counting.copy = file.counting;
    // Each span is handed to the spans file's exporter first, then to OTLP's.
    const both = (minutes: number, spans: ReadableSpan[][], fileOk: boolean[], otlpOk: boolean) => {
      spans.forEach((batch, i) => file.exportAt(minutes, batch, fileOk[i]!));
      exportAt(minutes, spans.flat(), otlpOk);
    };
    const { processWarnings } = await recordWarnings(() => {
      both(0, [newSpans(3)], [true], false);
      both(1, [newSpans(1)], [true], true);
      // The spans file's writes fail for other spans: it has those OTLP lost.
      file.exportAt(6, 2, false);
      both(60, [newSpans(2)], [true], false);
      both(61, [newSpans(1)], [true], true);
      // One write of the spans file fails for spans OTLP loses too; it has the others.
      both(70, [newSpans(1), newSpans(3)], [false, true], false);
      both(71, [newSpans(1)], [true], true);
    });
    const threeOfFour = `${FILE} has 3 of them (1 in writes there that failed, TRACEHOP_SPANS_FILE_UNWRITABLE)`;
    // The lines on OTLP's exports (the spans file's own outages are said too: not these).
    assert.deepEqual(
      processWarnings.filter(([, line]) => line.includes(DESTINATION)),
      [
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: an export of 3 spans to ${DESTINATION} failed: ${REFUSED}; those spans are lost there; ` +
            `${FILE} has them. ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to ${DESTINATION} works again; 3 spans were lost there while it failed (the ` +
            `first failure: ${REFUSED}); ${FILE} has them all; shutdown() says how many spans were lost in all`,
        ],
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: exports to ${DESTINATION} fail again: 1 export of 2 spans failed since ` +
            `2026-12-03T11:00:00.000Z (the first failure: ${REFUSED}); those spans are lost there (5 spans in ` +
            `this process so far); ${FILE} has them all. ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to ${DESTINATION} works again; 2 spans were lost there while it failed (the ` +
            `first failure: ${REFUSED}); ${FILE} has them all; shutdown() says how many spans were lost in all`,
        ],
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: exports to ${DESTINATION} fail again: 1 export of 4 spans failed since ` +
            `2026-12-03T11:10:00.000Z (the first failure: ${REFUSED}); those spans are lost there (9 spans in ` +
            `this process so far); ${threeOfFour}. ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to ${DESTINATION} works again; 4 spans were lost there while it failed (the ` +
            `first failure: ${REFUSED}); ${threeOfFour}; shutdown() says how many spans were lost in all`,
        ],
      ],
    );
    assert.deepEqual(counting.inCopyInAll, { written: 8, dropped: 0, unwritten: 1, pending: 0 });
  });

  test("spans the file's full queue dropped, and spans not written there yet, are counted apart", async () => {
    const { counting, exportAt } = setUp();
    const file = setUp(true, FILE);
    counting.copy = file.counting;
    const [dropped, queued, ...written] = newSpans(4);
    file.counting.markDropped(dropped!);
    file.exportAt(0, written, true);
    const { processWarnings } = await recordWarnings(() =>
      exportAt(0, [dropped!, queued!, ...written], false),
    );
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_EXPORT_FAILED",
        `tracehop: an export of 4 spans to ${DESTINATION} failed: ${REFUSED}; those spans are lost there; ` +
          `${FILE} has 2 of them (1 dropped by its own full export queue, TRACEHOP_SPANS_DROPPED; 1 not ` +
          `written there yet). ${LINE_END}`,
      ],
    ]);
  });
});
