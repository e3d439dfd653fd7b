// The request context the baggage policy tests capture from (captureCarrier, the Prisma extension, the
// messaging header writers): a sampled remote span with the baggage a request may carry.
import { propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from "@opentelemetry/api";

export const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
export const SPAN_ID = "b7ad6b7169203331";

/** A sampled remote span context with baggage a request may carry: a tenant, a plan and an e-mail address. */
export function requestContext(): Context {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  return propagation.setBaggage(
    ctx,
    propagation.createBaggage({
      tenant: { value: "t-001" },
      plan: { value: "gold" },
      email: { value: "ada@example.com" },
    }),
  );
}
