/**
 * Test helpers for the export tests: a real OTLP/HTTP receiver (node:http on 127.0.0.1:0) that
 * decodes the OTLP JSON it is sent, a decoder for OTLP JSON lines files, and a runner for the child
 * process in fixtures/hop-process.ts.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** One span of an ExportTraceServiceRequest, flattened with its resource. */
export interface ReceivedSpan {
  serviceName: string | undefined;
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  /** The span's links: ids as hex, attributes decoded. */
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
}

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string;
  contentType: string | undefined;
  spans: ReceivedSpan[];
  answered: boolean;
}

/** OTLP AnyValue (JSON encoding) to a plain value. */
function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("arrayValue" in value)
    return ((value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  return undefined;
}

function attributes(
  list: { key: string; value: Record<string, unknown> }[] | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = anyValue(value);
  return out;
}

/** Decodes one ExportTraceServiceRequest in OTLP JSON encoding (ids as hex, as the spec requires). */
export function decodeTraceRequest(json: string): ReceivedSpan[] {
  const request = JSON.parse(json) as { resourceSpans?: any[] };
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? [])
      for (const span of scopeSpans.spans ?? [])
        spans.push({
          serviceName: resource["service.name"] as string | undefined,
          resource,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          links: (span.links ?? []).map((link: any) => ({
            traceId: link.traceId,
            spanId: link.spanId,
            attributes: attributes(link.attributes),
          })),
        });
  }
  return spans;
}

/** Reads an OTLP JSON-lines spans file; every line must be a complete request. */
export function readSpansFile(path: string): { lines: number; spans: ReceivedSpan[] } {
  const text = readFileSync(path, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) throw new Error(`${path}: last line is incomplete`);
  const lines = text.split("\n").filter((line) => line !== "");
  return { lines: lines.length, spans: lines.flatMap((line) => decodeTraceRequest(line)) };
}

/** A local OTLP/HTTP receiver. `mode: "hang"` reads requests but never answers them. */
export interface OtlpReceiver {
  url: string;
  requests: ReceivedRequest[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(mode: "ok" | "hang" = "ok"): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const contentType = req.headers["content-type"];
      const record: ReceivedRequest = {
        path: req.url ?? "",
        contentType,
        spans: contentType?.startsWith("application/json") ? decodeTraceRequest(body) : [],
        answered: false,
      };
      requests.push(record);
      if (mode === "hang") {
        held.push(res);
        return;
      }
      record.answered = true;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () => requests.flatMap((r) => r.spans),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens (a port just released): connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * The line tracehop prints when the final export of `spans` (e.g. "2 spans") to the collector at
 * `endpoint` (a {@link refusedUrl}) is refused: its traces path and the refused port named.
 */
export function refusedFinalExportLine(endpoint: string, spans: string, spansFile?: string): string {
  const { port } = new URL(endpoint);
  return (
    `tracehop: the final export of ${spans} to ${endpoint}/v1/traces failed: connect ECONNREFUSED ` +
    `127.0.0.1:${port}; ${lostOverOtlp(spansFile)}`
  );
}

/**
 * How a line about spans an OTLP export lost says where they are: `those spans are lost` without a spans
 * file; with `spansFile` written beside OTLP (and no write there failed), `those spans are lost there; the
 * spans file "<path>" has them` (`all`: `has them all`, when the line counted earlier losses too).
 */
export function lostOverOtlp(spansFile?: string, all = false): string {
  return spansFile === undefined
    ? "those spans are lost"
    : `those spans are lost there; the spans file "${spansFile}" has them${all ? " all" : ""}`;
}

/**
 * A child process's stderr, split: `warnings`, the `[code, message]` of each Node process warning
 * (`(node:PID) [CODE] Warning: message`), and `lines`, every other line but Node's hint after the
 * first warning (`(Use \`node --trace-warnings ...\` ...)`).
 */
export function splitStderr(stderr: string): { warnings: [string, string][]; lines: string[] } {
  const warnings: [string, string][] = [];
  const lines: string[] = [];
  for (const line of stderr.split("\n")) {
    if (line === "" || line.startsWith("(Use `node --trace-warnings")) continue;
    const warning = /^\(node:\d+\) \[([A-Z_]+)\] Warning: (.*)$/.exec(line);
    if (warning) warnings.push([warning[1]!, warning[2]!]);
    else lines.push(line);
  }
  return { warnings, lines };
}

/** Result of one child process. */
export interface HopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  report: Record<string, any> | undefined;
  stderr: string;
}

const HOP_PROCESS = fileURLToPath(new URL("./fixtures/hop-process.ts", import.meta.url));
/** Failsafe only: a child still running after this is killed and the test fails on its exit signal. */
const CHILD_KILL_AFTER_MILLIS = 60_000;

/**
 * Runs fixtures/hop-process.ts with `env` added to a clean copy of the environment (no OTEL_*, DD_*
 * or TRACEHOP_* from the parent) and waits for it to exit on its own.
 */
export function runHop(env: Record<string, string>): Promise<HopResult> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !/^(OTEL_|DD_|TRACEHOP_|HOP_)/.test(key)) base[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", HOP_PROCESS], {
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_KILL_AFTER_MILLIS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      const line = stdout.trim().split("\n").pop();
      let report: Record<string, any> | undefined;
      try {
        report = line ? JSON.parse(line) : undefined;
      } catch {
        report = undefined;
      }
      resolve({ code, signal, report, stderr });
    });
  });
}
