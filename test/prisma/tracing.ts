/** A real OpenTelemetry SDK for the Prisma tests: AsyncLocalStorage context, spans kept in memory. */
import { context, trace, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

export const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const tracer = trace.getTracer("tracehop-prisma-test");

/** Runs `fn` inside a new active span (ended afterwards) and returns its result. */
export async function inSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
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
