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

/** The lower 64 bits of a 32-hex trace id as the unsigned decimal Datadog writes (research rule 1). */
export const datadogTraceId = (traceId: string) => BigInt(`0x${traceId.slice(16)}`).toString(10);
/** A 16-hex span id as unsigned decimal (research rule 1). */
export const datadogSpanId = (spanId: string) => BigInt(`0x${spanId}`).toString(10);
