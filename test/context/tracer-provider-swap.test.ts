/**
 * The tracer tracehop's restores start their spans with follows the global tracer provider: kept while the
 * provider is the same, asked again after `trace.disable()` and a new `setGlobalTracerProvider`, and not kept
 * before any provider is registered (the API's proxy tracer then finds the provider registered later).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { withCarrier } from "../../src/index.js";

const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);

/** A provider exporting into a new in-memory exporter, registered as the global one. */
function register(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  return exporter;
}

test("each restore's span goes to the global tracer provider of its call", () => {
  trace.disable();
  // No provider yet: the span is not recorded, and nothing kept stops the next provider from being used.
  assert.equal(
    withCarrier(undefined, "before", (span) => span.isRecording()),
    false,
  );
  const first = register();
  withCarrier(undefined, "one", () => 1);
  withCarrier(undefined, "two", () => 1);
  assert.deepEqual(
    first.getFinishedSpans().map((s) => s.name),
    ["one", "two"],
  );
  trace.disable();
  const second = register();
  withCarrier(undefined, "three", () => 1);
  assert.deepEqual(
    second.getFinishedSpans().map((s) => s.name),
    ["three"],
  );
  assert.deepEqual(
    first.getFinishedSpans().map((s) => s.name),
    ["one", "two"],
  );
  trace.disable();
});
