/**
 * The traces URL startTracing names in its messages (`config.otlp.destination`) is the URL the real
 * OTLP exporter requests: for each combination of OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and the `otlpEndpoint` option, a local receiver records the
 * host and path of the exporter's POST, made as startTracing makes it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { resolveWith, withEnv } from "./config-env.js";
import type { StartTracingOptions } from "../../src/tracing/tracing-config.js";

let server: Server;
let origin: string;
/** `http://<Host header><path>` of each request received. */
const received: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    received.push(`http://${request.headers.host}${request.url}`);
    request.resume();
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * Under exactly `vars` (with `options`): the destination startTracing resolves, and the URL the OTLP
 * exporter, built as startTracing builds it, posted one span to.
 */
async function destinationAndRequest(
  vars: Record<string, string>,
  options: StartTracingOptions = {},
): Promise<{ destination: string | undefined; requested: string | undefined }> {
  const otlp = resolveWith({ serviceName: "s", ...options }, vars).otlp;
  assert.ok(otlp, "OTLP export is on");
  const { url, timeoutMillis } = otlp;
  // The exporter reads the environment when it is made.
  const exporter = withEnv(vars, () =>
    url === undefined
      ? new OTLPTraceExporter({ timeoutMillis })
      : new OTLPTraceExporter({ url, timeoutMillis }),
  );
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  received.length = 0;
  provider.getTracer("otlp-url").startSpan("one").end();
  await provider.forceFlush();
  await provider.shutdown();
  return { destination: otlp.destination, requested: received[0] };
}

describe("the OTLP traces URL said in messages is the one the exporter requests", () => {
  const cases: [name: string, vars: (origin: string) => Record<string, string>, path: string][] = [
    ["a base endpoint without a path", (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: o }), "/v1/traces"],
    ["a base endpoint ending with /", (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/` }), "/v1/traces"],
    ["a base endpoint with a path", (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/otlp` }), "/otlp/v1/traces"],
    [
      "a base endpoint with a path ending with /",
      (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/otlp/` }),
      "/otlp/v1/traces",
    ],
    [
      "a base endpoint with dot segments",
      (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/a/../otlp` }),
      "/otlp/v1/traces",
    ],
    [
      "a base endpoint with a query (the path appended after it)",
      (o) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/otlp?x=1` }),
      "/otlp?x=1/v1/traces",
    ],
    [
      "a traces endpoint, used as is, over a base endpoint",
      (o) => ({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${o}/custom/path`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${o}/otlp`,
      }),
      "/custom/path",
    ],
    ["a traces endpoint without a path", (o) => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: o }), "/"],
    [
      "a traces endpoint with a fragment (never sent)",
      (o) => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${o}/v1/traces#part` }),
      "/v1/traces",
    ],
  ];
  for (const [name, vars, path] of cases)
    test(name, async () => {
      const { destination, requested } = await destinationAndRequest(vars(origin));
      assert.equal(requested, `${origin}${path}`);
      assert.equal(destination, requested);
    });

  for (const [given, path] of [
    ["/given/v1/traces#part", "/given/v1/traces"],
    ["/given", "/given/v1/traces"],
  ] as const)
    test(`the otlpEndpoint option over both variables: ${given} is requested as ${path}`, async () => {
      const { destination, requested } = await destinationAndRequest(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${origin}/traces-variable`,
          OTEL_EXPORTER_OTLP_ENDPOINT: `${origin}/base-variable`,
        },
        { otlpEndpoint: `${origin}${given}` },
      );
      assert.equal(requested, `${origin}${path}`);
      assert.equal(destination, requested);
    });
});
