import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { startTracing, type TracingHandle } from "tracehop";
import { spansFile } from "./config.js";

/**
 * Starts tracing for one of the pipeline's processes: spans go to the OTLP JSON-lines spans file and,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, over OTLP/HTTP too.
 */
export function startProcessTracing(serviceName: string, options: { http?: boolean } = {}): TracingHandle {
  return startTracing({
    serviceName,
    serviceVersion: process.env.npm_package_version ?? "0.1.0",
    environment: process.env.TRACEHOP_ENV ?? "local",
    spansFile: spansFile(),
    instrumentations: options.http ? [new HttpInstrumentation()] : [],
  });
}

/** Runs `stop` once on SIGTERM/SIGINT, then exits 0 (1 if `stop` throws). */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  // Started by the orchestrator with an IPC channel: stop when it goes away, however it ended.
  if (process.send) process.on("disconnect", handler);
}
