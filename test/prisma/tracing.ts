/** A real OpenTelemetry SDK for the Prisma tests: AsyncLocalStorage context, spans kept in memory. */
import { inSpanOf } from "../support/sdk.js";

export { datadogSpanId, datadogTraceId, exporter } from "../support/sdk.js";

/** Runs `fn` inside a new active span (ended afterwards) and returns its result. */
export const inSpan = inSpanOf("tracehop-prisma-test");
