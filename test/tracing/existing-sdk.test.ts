// startTracing in a process where another OpenTelemetry setup already registered its globals (the
// application's own NodeSDK.start(), a provider.register()): the API keeps the first registration of
// each and refuses the NodeSDK's, so without a check tracehop's exporters, ExtractionSpanProcessor,
// RestoredRootSampler and propagator would silently be left out. It is an Error at startTracing, and
// nothing of tracehop's is started. The in-process cases clean up with trace/context/propagation
// .disable(); the NodeSDK case runs in a child process.
import { tempDir } from "../support/temp-dir.js";
import { afterEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ProxyTracerProvider } from "@opentelemetry/api";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { readSpansFile } from "./otlp-helpers.js";

const SDK_ERROR =
  /^tracehop startTracing: an OpenTelemetry SDK is already registered in this process: the global tracer provider is a (\w+) \(NodeSDK\.start\(\), provider\.register\(\) or trace\.setGlobalTracerProvider\(\); also a NodeSDK preloaded with --import @opentelemetry\/auto-instrumentations-node\/register\);.*ExtractionSpanProcessor\(\) first in its spanProcessors, its sampler wrapped in new RestoredRootSampler\(sampler\).*docs\/export\.md, "With your own OpenTelemetry SDK".*An SDK that was shut down stays registered: call trace\.disable\(\), context\.disable\(\) and propagation\.disable\(\)/;

/** The error `fn` throws (it must throw). */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected startTracing to throw");
}

const spansFileIn = (t: TestContext) => join(tempDir(t, "existing"), "spans.jsonl");
const delegate = () => (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe("startTracing after another OpenTelemetry setup", () => {
  test("a global BasicTracerProvider: an Error naming it and how to add tracehop to that SDK; nothing started", async (t) => {
    const provider = new BasicTracerProvider();
    assert.equal(trace.setGlobalTracerProvider(provider), true);
    const spansFile = spansFileIn(t);
    const { message } = thrownBy(() => startTracing({ serviceName: "late", spansFile }));
    assert.equal(message.match(SDK_ERROR)?.[1], "BasicTracerProvider", message);
    // The application's provider is untouched, no propagator was registered, no file written.
    assert.equal(delegate(), provider);
    assert.deepEqual(propagation.fields(), []);
    trace.getTracer("t").startSpan("s").end();
    await provider.forceFlush();
    assert.equal(existsSync(spansFile), false);
    // Once the other SDK is gone, startTracing works (and its spans reach the file).
    trace.disable();
    const handle = startTracing({ serviceName: "late", spansFile });
    trace.getTracer("t").startSpan("after").end();
    await handle.shutdown();
    assert.deepEqual(
      readSpansFile(spansFile).spans.map((span) => span.name),
      ["after"],
    );
  });

  test("NodeTracerProvider.register() (provider, context manager and propagator): the same Error", () => {
    new NodeTracerProvider().register();
    assert.throws(
      () => startTracing({ serviceName: "late", spansFile: false }),
      (error: Error) => {
        assert.match(error.message, SDK_ERROR);
        assert.equal(error.message.match(SDK_ERROR)?.[1], "NodeTracerProvider");
        return true;
      },
    );
  });

  test("a global context manager alone: an Error naming it", () => {
    assert.equal(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()), true);
    assert.match(
      thrownBy(() => startTracing({ serviceName: "late", spansFile: false })).message,
      /^tracehop startTracing: a global OpenTelemetry context manager \(context\.setGlobalContextManager\) is already registered in this process; startTracing registers its own.*undo it first \(context\.disable\(\);/,
    );
    assert.doesNotMatch(
      thrownBy(() => startTracing({ serviceName: "late", spansFile: false })).message,
      /propagator` option/,
      "the propagator option is no way out for a context manager",
    );
    assert.equal(delegate() instanceof BasicTracerProvider, false, "no tracer provider was registered");
  });

  test("a global propagator alone: an Error naming it and the propagator option", () => {
    assert.equal(propagation.setGlobalPropagator(new W3CTraceContextPropagator()), true);
    assert.match(
      thrownBy(() => startTracing({ serviceName: "late", spansFile: false })).message,
      /^tracehop startTracing: a global OpenTelemetry propagator \(propagation\.setGlobalPropagator\) is already registered in this process;.*undo it first \(propagation\.disable\(\);.*in startTracing's `propagator` option/,
    );
    assert.deepEqual(
      propagation.fields(),
      ["traceparent", "tracestate"],
      "the application's propagator stays",
    );
  });

  test("OTEL_SDK_DISABLED=true registers nothing, so it does not object", async () => {
    const provider = new BasicTracerProvider();
    trace.setGlobalTracerProvider(provider);
    process.env.OTEL_SDK_DISABLED = "true";
    try {
      await startTracing({ serviceName: "disabled", spansFile: false }).shutdown();
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
    assert.equal(delegate(), provider);
  });
});

test("after the application's own NodeSDK.start() (a child process): startTracing throws, the app's SDK keeps running", (t) => {
  const spansFile = spansFileIn(t);
  const script = [
    `import { trace } from "@opentelemetry/api";`,
    `import { NodeSDK } from "@opentelemetry/sdk-node";`,
    `import { startTracing } from "./src/tracing/start-tracing.ts";`,
    // The application's span processor: records the names of the spans that end.
    `const ended = [];`,
    `const processor = { onStart() {}, onEnd(span) { ended.push(span.name); }, forceFlush: async () => {}, shutdown: async () => {} };`,
    `const sdk = new NodeSDK({ spanProcessors: [processor], instrumentations: [], metricReaders: [], logRecordProcessors: [] });`,
    `sdk.start();`,
    `let message;`,
    `try { startTracing({ serviceName: "late", spansFile: ${JSON.stringify(spansFile)} }); } catch (error) { message = error.message; }`,
    `trace.getTracer("t").startSpan("app span").end();`,
    `await sdk.shutdown();`,
    `console.log(JSON.stringify({ message, spans: ended }));`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: join(import.meta.dirname, "../.."),
    encoding: "utf8",
    env: { ...process.env, OTEL_TRACES_EXPORTER: "none", OTEL_SDK_DISABLED: "" },
  });
  assert.equal(child.status, 0, child.stderr);
  const { message, spans } = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
    message?: string;
    spans: string[];
  };
  // The NodeSDK's provider is sdk-trace-node's NodeTracerProvider, exported by it as TracerProvider.
  assert.equal(message?.match(SDK_ERROR)?.[1], "TracerProvider", message ?? "startTracing did not throw");
  assert.deepEqual(spans, ["app span"]);
  assert.equal(existsSync(spansFile), false);
});
