import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { startTracing, type TracingHandle } from "tracehop";
import { exitForBadInput, spansFile } from "./config.js";

/**
 * Starts tracing for one of the pipeline's processes: spans go to the OTLP JSON-lines spans file and,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, over OTLP/HTTP too.
 */
export function startProcessTracing(serviceName: string, options: { http?: boolean } = {}): TracingHandle {
  const path = spansFile();
  try {
    return startTracing({
      serviceName,
      serviceVersion: process.env.npm_package_version ?? "0.1.0",
      environment: process.env.TRACEHOP_ENV ?? "local",
      spansFile: path,
      instrumentations: options.http ? [new HttpInstrumentation()] : [],
    });
  } catch (err) {
    // startTracing refuses a spans file it could not write (a folder, a path under a file), with
    // code TRACEHOP_BAD_SPANS_FILE and the reason: bad input here, where the path is TRACEHOP_SPANS_FILE
    // (or the default under the project).
    const { code, reason } = err as { code?: unknown; reason?: unknown };
    if (code === "TRACEHOP_BAD_SPANS_FILE" && typeof reason === "string")
      exitForBadInput(
        `the spans file ${path} ${reason}: set TRACEHOP_SPANS_FILE to a file in a writable folder (missing folders are created)`,
      );
    throw err;
  }
}

/**
 * Runs `stop` once on SIGTERM/SIGINT (or when the orchestrator that started this process with an IPC
 * channel goes away), then exits 0 (1 if `stop` throws). Returns `shutdown(code)`, which runs the same
 * `stop` and exits with `code` (1 if `stop` throws): for a process that must end on its own (its queue
 * lost). Whichever comes first runs `stop`; later calls and signals do nothing.
 */
export function onShutdownSignal(stop: () => Promise<void>): (code: number) => void {
  let stopping = false;
  const shutdown = (code: number) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(code),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  const handler = () => shutdown(0);
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  // Started by the orchestrator with an IPC channel: stop when it goes away, however it ended.
  if (process.send) process.on("disconnect", handler);
  return shutdown;
}
