/**
 * startTracing's `batch` option and the OTEL_BSP_* variables: ranges, the export batch within the
 * queue, and the warnings of variables ignored or lowered.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { resolveTracingConfig, type StartTracingOptions } from "../../src/tracing/tracing-config.js";
import { recordWarnings } from "../support/warnings.js";
import { resolveWith, warningsOf, withEnv } from "./config-env.js";

describe("batch option and OTEL_BSP_* variables", () => {
  test("OTEL_BSP_SCHEDULE_DELAY / OTEL_BSP_EXPORT_TIMEOUT that a timer cannot wait: the SDK's default, said", async () => {
    const bad = await warningsOf({ OTEL_BSP_SCHEDULE_DELAY: "3000000000", OTEL_BSP_EXPORT_TIMEOUT: "-5" });
    assert.deepEqual(bad.result.config.batch, { scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 });
    assert.deepEqual(bad.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_SCHEDULE_DELAY="3000000000" is not a number of milliseconds from 0 to 2147483647 ' +
          "(Node's timer limit); ignored (the default, 5000 ms, applies)",
      ],
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_EXPORT_TIMEOUT="-5" is not a number of milliseconds from 1 to 2147483647 ' +
          "(Node's timer limit); ignored (the default, 30000 ms, applies)",
      ],
    ]);
    // Good values are left to the SDK, which reads them itself; the option wins over the variable.
    const good = await warningsOf(
      { OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_BSP_EXPORT_TIMEOUT: "2147483647" },
      { batch: { maxQueueSize: 10 } },
    );
    // The default export batch size (512) follows a smaller queue: nobody asked for it.
    assert.deepEqual(good.result.config.batch, { maxQueueSize: 10, maxExportBatchSize: 10 });
    assert.deepEqual(good.processWarnings, []);
    const option = await warningsOf(
      { OTEL_BSP_SCHEDULE_DELAY: "3000000000" },
      { batch: { scheduledDelayMillis: 20 } },
    );
    assert.deepEqual(option.result.config.batch, { scheduledDelayMillis: 20 });
    assert.deepEqual(option.processWarnings, []);
  });

  test("OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BSP_MAX_EXPORT_BATCH_SIZE not a whole number from 1: the SDK's default, said", async () => {
    // The SDK would drop every span (a queue of 0) or spin its export loop forever (a batch of 0, -1, 0.5).
    for (const [queue, batch] of [
      ["0", "0"],
      ["-5", "0.5"],
      ["abc", "-1"],
    ]) {
      const bad = await warningsOf({
        OTEL_BSP_MAX_QUEUE_SIZE: queue!,
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: batch!,
      });
      assert.deepEqual(
        bad.result.config.batch,
        { maxQueueSize: 2048, maxExportBatchSize: 512 },
        `${queue} ${batch}`,
      );
      assert.deepEqual(bad.processWarnings, [
        [
          "TRACEHOP_BAD_BATCH_SETTING",
          `tracehop: OTEL_BSP_MAX_QUEUE_SIZE="${queue}" is not a whole number of spans from 1; ignored (the default, 2048, applies)`,
        ],
        [
          "TRACEHOP_BAD_BATCH_SETTING",
          `tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="${batch}" is not a whole number of spans from 1; ignored (the default, 512, applies)`,
        ],
      ]);
    }
    const good = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10" });
    assert.deepEqual([good.result.config.batch, good.processWarnings], [{}, []]);
    // The option wins over the variable.
    const option = await warningsOf(
      { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "0" },
      { batch: { maxExportBatchSize: 7 } },
    );
    assert.deepEqual([option.result.config.batch, option.processWarnings], [{ maxExportBatchSize: 7 }, []]);
  });

  test("OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BSP_MAX_EXPORT_BATCH_SIZE above 2^53 - 1: said to be too large, with the maximum", async () => {
    const tooLarge = (name: string, raw: string, fallback: number) => [
      "TRACEHOP_BAD_BATCH_SETTING",
      `tracehop: ${name}="${raw}" is too large: at most 9007199254740991 spans (2^53 - 1, the largest ` +
        `whole number a JavaScript number holds exactly); ignored (the default, ${fallback}, applies)`,
    ];
    const bad = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "99999999999999999999",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1e400",
    });
    assert.deepEqual(bad.result.config.batch, { maxQueueSize: 2048, maxExportBatchSize: 512 });
    assert.deepEqual(bad.processWarnings, [
      tooLarge("OTEL_BSP_MAX_QUEUE_SIZE", "99999999999999999999", 2048),
      tooLarge("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1e400", 512),
    ]);
    // Read as the SDK reads them (Number): hexadecimal and exponents are numbers, 2^53 - 1 is the largest.
    const good = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "9007199254740991",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "0x10",
    });
    assert.deepEqual([good.result.config.batch, good.processWarnings], [{}, []]);
    const exponent = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "1e3" });
    assert.deepEqual([exponent.result.config.batch, exponent.processWarnings], [{}, []]);
    // The options too.
    assert.throws(
      () => resolveWith({ serviceName: "s", batch: { maxQueueSize: 1e20 } }),
      (error: Error) =>
        error instanceof RangeError &&
        error.message ===
          "tracehop startTracing: options.batch.maxQueueSize must be at most 9007199254740991 (2^53 - 1, the largest " +
            "whole number a JavaScript number holds exactly), got 100000000000000000000 (above Number.MAX_SAFE_INTEGER)",
    );
  });

  test("an export batch size option above the queue size (option, variable or default), or a queue size option below OTEL_BSP_MAX_EXPORT_BATCH_SIZE: a RangeError naming both and where each comes from", () => {
    const cases: [StartTracingOptions["batch"], Record<string, string>, string][] = [
      [
        { maxExportBatchSize: 4096 },
        {},
        "options.batch.maxExportBatchSize (4096) must not exceed the default maxQueueSize (2048; neither " +
          "options.batch.maxQueueSize nor OTEL_BSP_MAX_QUEUE_SIZE is set): an export batch is taken from the " +
          "queue (the SDK would lower it to 2048, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 2048, or set options.batch.maxQueueSize (or " +
          "OTEL_BSP_MAX_QUEUE_SIZE) to at least 4096",
      ],
      [
        { maxExportBatchSize: 4096 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "1000" },
        'options.batch.maxExportBatchSize (4096) must not exceed OTEL_BSP_MAX_QUEUE_SIZE="1000": an export ' +
          "batch is taken from the queue (the SDK would lower it to 1000, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 1000, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 4096",
      ],
      [
        { maxExportBatchSize: 17 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "0x10" },
        'options.batch.maxExportBatchSize (17) must not exceed OTEL_BSP_MAX_QUEUE_SIZE="0x10" (16): an export ' +
          "batch is taken from the queue (the SDK would lower it to 16, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 16, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 17",
      ],
      [
        { maxQueueSize: 100 },
        { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1e3" },
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1e3" (1000) must not exceed options.batch.maxQueueSize (100): an ' +
          "export batch is taken from the queue (the SDK would lower it to 100, saying so only through diag). " +
          "Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 100, or set options.batch.maxQueueSize to at least 1000",
      ],
      [
        { maxQueueSize: 10, maxExportBatchSize: 20 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "100" },
        "options.batch.maxExportBatchSize (20) must not exceed options.batch.maxQueueSize (10): an export " +
          "batch is taken from the queue (the SDK would lower it to 10, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 10, or set options.batch.maxQueueSize to at least 20",
      ],
    ];
    for (const [batch, vars, message] of cases)
      assert.throws(
        () => resolveWith({ serviceName: "s", spansFile: false, batch }, vars),
        (error: Error) => {
          assert.ok(error instanceof RangeError, JSON.stringify(batch));
          assert.equal(error.message, `tracehop startTracing: ${message}`);
          return true;
        },
      );
    // Equal is fine; so is a batch option within a larger queue from the environment.
    assert.deepEqual(resolveWith({ serviceName: "s", batch: { maxExportBatchSize: 2048 } }).batch, {
      maxExportBatchSize: 2048,
    });
    assert.deepEqual(
      resolveWith(
        { serviceName: "s", batch: { maxExportBatchSize: 4096 } },
        { OTEL_BSP_MAX_QUEUE_SIZE: "8192" },
      ).batch,
      { maxExportBatchSize: 4096 },
    );
  });

  test("OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size: lowered to it as the SDK does, said; the default 512 follows a smaller queue silently", async () => {
    const crossed = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096",
    });
    assert.deepEqual(crossed.result.config.batch, { maxExportBatchSize: 100 });
    assert.deepEqual(crossed.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="4096" exceeds OTEL_BSP_MAX_QUEUE_SIZE="100": an export ' +
          "batch is taken from the queue; lowered to 100, as the SDK does. Lower " +
          "OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 100, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 4096",
      ],
    ]);
    const overDefault = await warningsOf({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" });
    assert.deepEqual(overDefault.result.config.batch, { maxExportBatchSize: 2048 });
    assert.deepEqual(overDefault.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="4096" exceeds the default maxQueueSize (2048; neither ' +
          "options.batch.maxQueueSize nor OTEL_BSP_MAX_QUEUE_SIZE is set): an export batch is taken from the " +
          "queue; lowered to 2048, as the SDK does. Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 2048, or " +
          "set options.batch.maxQueueSize (or OTEL_BSP_MAX_QUEUE_SIZE) to at least 4096",
      ],
    ]);
    const smallQueue = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "100" });
    assert.deepEqual(
      [smallQueue.result.config.batch, smallQueue.processWarnings],
      [{ maxExportBatchSize: 100 }, []],
    );
    // The SDK's BatchSpanProcessor, given what startTracing gives it, uses the same sizes and has
    // nothing left to lower (its own diag.warn is not given).
    const sdkCases: Record<string, string>[] = [
      { OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" },
      { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" },
      { OTEL_BSP_MAX_QUEUE_SIZE: "100" },
    ];
    for (const vars of sdkCases) {
      const { result: sizes, diagWarnings } = await recordWarnings(() =>
        withEnv(vars, () => {
          const config = resolveTracingConfig({ serviceName: "s", spansFile: false });
          const processor = new BatchSpanProcessor(new InMemorySpanExporter(), {
            ...config.batch,
          }) as unknown as {
            _maxQueueSize: number;
            _maxExportBatchSize: number;
          };
          return [processor._maxQueueSize, processor._maxExportBatchSize];
        }),
      );
      const queue = Number(vars.OTEL_BSP_MAX_QUEUE_SIZE ?? 2048);
      assert.deepEqual(sizes, [queue, queue], JSON.stringify(vars));
      assert.deepEqual(
        diagWarnings.filter((message) => message.startsWith("BatchSpanProcessor")),
        [],
        JSON.stringify(vars),
      );
    }
  });
});
