// One real OpenTelemetry SDK for a test process: BasicTracerProvider (default sampler ParentBased(AlwaysOn)),
// tracehop's ExtractionSpanProcessor first (as startTracing registers it), an InMemorySpanExporter
// behind a SimpleSpanProcessor, and the AsyncLocalStorageContextManager, all registered globally when
// this module is first imported (node:test runs each file in its own process).
import { context, trace, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ExtractionSpanProcessor } from "../../src/tracing/ExtractionSpanProcessor.js";

export const exporter = new InMemorySpanExporter();
export const provider = new BasicTracerProvider({
  spanProcessors: [new ExtractionSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Runs `fn` inside a new active span of `tracerName` (ended afterwards) and returns its result. */
export function inSpanOf(tracerName: string) {
  const tracer = trace.getTracer(tracerName);
  return async <T>(name: string, fn: (span: Span) => Promise<T> | T): Promise<T> =>
    tracer.startActiveSpan(name, async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    });
}
