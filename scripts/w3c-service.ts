// The service under test for the official W3C Trace Context harness (w3c/trace-context, test/):
//
//   npm run w3c-service                      # PORT (default 5000), path /test, 127.0.0.1 only
//   STRICT_LEVEL=2 SPEC_LEVEL=2 python3 test.py http://127.0.0.1:5000/test
//
// Harness contract (../shared/research/w3c-harness.md §1.3): for each action of the JSON body
// `[{ url, arguments }]`, start a child of the incoming context (or a new root), POST `arguments` as JSON
// to `url` with exactly one traceparent, and only then answer the harness.
//
// Every request goes through tracehop's real stored path, not Node's header conveniences:
// raw request headers (original casing, repeated fields as arrays) -> carrier -> JSON text (as stored in
// a database column) -> contextFromCarrier -> child span (OpenTelemetry SDK tracer) -> captureCarrier ->
// callback headers. The propagator is tracehop's default, createPropagator(), so OTEL_PROPAGATORS /
// DD_TRACE_PROPAGATION_STYLE choose the styles (e.g. OTEL_PROPAGATORS=tracecontext,baggage for W3C only).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { captureCarrier, contextFromCarrier, inheritRandomFlag } from "../src/index.js";

const PORT = Number(process.env.PORT ?? 5000);
const HOST = "127.0.0.1";
const PATH = "/test";
/** Largest request body read, in bytes (the harness sends at most a few hundred). */
const MAX_BODY_BYTES = 1024 * 1024;

if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(
    `w3c-service: PORT must be an integer from 1 to 65535, got ${JSON.stringify(process.env.PORT)}`,
  );
  process.exit(2);
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new BasicTracerProvider(); // ParentBased(AlwaysOn), no exporter: spans are not kept
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer("tracehop-w3c-service");

interface Action {
  url: string;
  arguments: unknown;
}

/** The request headers as a stored carrier would hold them: names as sent, repeated fields as arrays. */
function carrierFromRawHeaders(raw: string[]): Record<string, string | string[]> {
  const carrier: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const existing = carrier[name];
    if (existing === undefined) carrier[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else carrier[name] = [existing, value];
  }
  return carrier;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseActions(body: string): Action[] {
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed)) throw new Error("body must be a JSON array of {url, arguments}");
  return parsed.map((item, i) => {
    if (!item || typeof item.url !== "string") throw new Error(`action ${i} has no url`);
    return { url: item.url, arguments: item.arguments ?? [] };
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST" || req.url !== PATH) {
    res
      .writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ error: `POST ${PATH} only` }));
    return;
  }
  const actions = parseActions(await readBody(req));
  // The stored round trip: the carrier is written as JSON text and read back from it.
  const stored = JSON.stringify(carrierFromRawHeaders(req.rawHeaders));
  const parent = contextFromCarrier(stored);
  for (const action of actions) {
    const span = tracer.startSpan("w3c-callback", {}, parent);
    inheritRandomFlag(span, parent);
    try {
      const headers = captureCarrier({ context: trace.setSpan(parent, span) });
      const response = await fetch(action.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(action.arguments),
      });
      await response.arrayBuffer();
    } finally {
      span.end();
    }
  }
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: message }));
  });
});
server.listen(PORT, HOST, () => {
  console.log(`w3c-service: listening on http://${HOST}:${PORT}${PATH}`);
});
const stop = () => server.close(() => void provider.shutdown().then(() => process.exit(0)));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
