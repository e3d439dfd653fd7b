/**
 * A relay stopped while its publish waits for the broker's confirm (a broker that stopped answering): its
 * send span is open, `shutdown()` ends none, so that span is never exported, while the message already in
 * the queue names it as the parent of its consumer's span. Against the real broker (127.0.0.1:5672 or
 * TRACEHOP_TEST_AMQP_URL), the relay's connection through a local TCP proxy that stops passing the broker's
 * answers (`mute`: the publish reaches the queue, its confirm never comes back): the stop docs/export.md
 * teaches ("Work in hand at shutdown": the wait cut short, then shutdown()) exports the send span with its
 * error and says nothing; shutdown() called with the send still open says so (TRACEHOP_SPANS_OPEN_AT_SHUTDOWN).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type amqplib from "amqplib";
import { traced } from "../../src/context/traced.js";
import { withCarrier } from "../../src/context/with-carrier.js";
import { withSendSpan } from "../../src/messaging/index.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { AMQP_URL, uniqueQueue, useRabbitMQ } from "../messaging/rabbitmq.js";
import { switchingProxy, targetOf, throughProxy } from "../examples/tcp-servers.js";
import { tempDir } from "../support/temp-dir.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const rabbit = useRabbitMQ();

/** The message `queue` holds now, taken off it; waits until the broker has one (the publish reached it). */
async function takeMessage(queue: string): Promise<amqplib.GetMessage> {
  for (;;) {
    const message = await rabbit.channel.get(queue, { noAck: true });
    if (message !== false) return message;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The parent span id the headers of `message` give its consumer (the span id of its `traceparent`). */
const parentIdOf = (message: amqplib.GetMessage) =>
  String((message.properties.headers as Record<string, unknown>).traceparent).split("-")[2];

/** `spanId -> [name, status code, status message]` of each span in the OTLP JSON-lines file `path`. */
function exportedSpans(path: string): Map<string, [string, number, string | undefined]> {
  const spans = new Map<string, [string, number, string | undefined]>();
  if (!existsSync(path)) return spans;
  for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean))
    for (const resourceSpans of JSON.parse(line).resourceSpans)
      for (const scopeSpans of resourceSpans.scopeSpans)
        for (const span of scopeSpans.spans)
          spans.set(span.spanId, [span.name, span.status?.code ?? 0, span.status?.message]);
  return spans;
}

test("a relay stopped while its publish waits for the confirm: the documented stop exports the send span, shutdown() with the send open says it is lost", async (t) => {
  if (!rabbit.requireBroker(t)) return;
  resetWarnings();
  const dir = tempDir(t, "open-spans");
  const queue = uniqueQueue("open-at-shutdown");
  await rabbit.channel.assertQueue(queue, { durable: false });
  rabbit.deleteAfter(t, queue);
  const proxy = await switchingProxy(...targetOf(AMQP_URL));
  t.after(() => proxy.close());
  const { connect } = await import("amqplib");
  const connection = await context.with(ROOT_CONTEXT, () => connect(throughProxy(AMQP_URL, proxy.port)));
  connection.on("error", () => undefined);
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => undefined);
  proxy.mode = "mute"; // the broker takes each publish; no confirm comes back
  /** The send of docs/messaging.md, its wait for the confirm cut short by `stop`. */
  const send = (id: string, stop: AbortSignal) =>
    withSendSpan(
      { system: "rabbitmq", destination: queue, routingKey: queue, messageId: id },
      async (headers) => {
        channel.sendToQueue(queue, Buffer.from(id), { headers, messageId: id });
        await Promise.race([
          channel.waitForConfirms(),
          new Promise((_, reject) =>
            stop.addEventListener("abort", () => reject(stop.reason as Error), { once: true }),
          ),
        ]);
      },
    );

  // The documented stop: the wait cut short, the send settled (failed), then shutdown().
  const documented = join(dir, "documented.jsonl");
  let tracing = startTracing({ serviceName: "relay", spansFile: documented });
  const stopping = new AbortController();
  const first = send("first", stopping.signal);
  const firstParent = parentIdOf(await takeMessage(queue));
  const told = await recordWarnings(async () => {
    stopping.abort(new Error("the relay stopped before the broker confirmed the message"));
    await assert.rejects(first, /the relay stopped before the broker confirmed the message/);
    await tracing.shutdown();
  });
  assert.deepEqual(said(told, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN"), []);
  assert.deepEqual(exportedSpans(documented).get(firstParent), [
    `publish ${queue}`,
    2,
    "the relay stopped before the broker confirmed the message",
  ]);

  // shutdown() with the send still open: its span is not exported, and the message names it; said.
  const hasty = join(dir, "hasty.jsonl");
  tracing = startTracing({ serviceName: "relay", spansFile: hasty });
  const never = new AbortController();
  const second = send("second", never.signal);
  second.catch(() => undefined); // rejects when the proxy closes its connections, at the end
  const secondParent = parentIdOf(await takeMessage(queue));
  const hastyTold = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(hastyTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN"), [
    `tracehop: shutdown() stopped the span processors while 1 span (1 of withSendSpan: "publish ${queue}") was still ` +
      "open (not ended: a function not settled, such as a publish waiting for the broker's confirm or a " +
      "handler still running; an instrumentation's span that withProcessSpan took over, whose message was not " +
      "acked): an open span is never exported, and the spans under it (its children that ended, the process span of a message it sent) " +
      "then name a parent missing from the trace. Stop taking new work and let the work in hand settle, or " +
      "cut its wait short so that it fails and its span ends with the error, before calling shutdown() " +
      '(docs/export.md, "Work in hand at shutdown")',
  ]);
  assert.equal(exportedSpans(hasty).has(secondParent), false);
});

test("a span left open under an earlier start is said at that start's shutdown only, not at every later one", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "open-spans-cycles");
  // Start 1: a traced job whose promise never settles, so its span never ends (a handler that hangs).
  let tracing = startTracing({ serviceName: "cycles", spansFile: join(dir, "first.jsonl") });
  const releases: (() => void)[] = [];
  const stuck = traced({ name: "stuck job" })(() => new Promise<void>((resolve) => releases.push(resolve)));
  const pending = stuck();
  const firstTold = await recordWarnings(() => tracing.shutdown());
  assert.equal(said(firstTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN").length, 1);
  assert.match(
    said(firstTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN")[0]!,
    /while 1 span \(1 of traced: "stuck job"\) was still open/,
  );

  // Start 2 (a test suite's next test, a restart between jobs): its own work settles before shutdown().
  tracing = startTracing({ serviceName: "cycles", spansFile: join(dir, "second.jsonl") });
  const job = traced({ name: "job" })(async (n: number) => n * 2);
  assert.equal(await job(21), 42);
  const secondTold = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(secondTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN"), []);

  // Start 3: the span of start 1 ends meanwhile; one of start 3 left open is still said, counted alone.
  tracing = startTracing({ serviceName: "cycles", spansFile: join(dir, "third.jsonl") });
  const third = stuck();
  releases[0]!();
  await pending;
  const thirdTold = await recordWarnings(() => tracing.shutdown());
  assert.equal(said(thirdTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN").length, 1);
  assert.match(
    said(thirdTold, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN")[0]!,
    /while 1 span \(1 of traced: "stuck job"\) was still open/,
  );
  releases[1]!();
  await third;
});

test("the warning names the open spans per helper: a name held by several counted, past five names the others counted", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "open-spans-names");
  const tracing = startTracing({ serviceName: "names", spansFile: join(dir, "spans.jsonl") });
  const releases: (() => void)[] = [];
  const hang = () => new Promise<void>((resolve) => releases.push(resolve));
  const pending = [
    traced({ name: "import orders" })(hang)(),
    traced({ name: "import orders" })(hang)(),
    ...["a", "b", "c", "d", "e", "f", "g"].map((name) => traced({ name })(hang)()),
    withCarrier({ traceContext: {} }, "restore job", hang),
  ];
  const told = await recordWarnings(() => tracing.shutdown());
  assert.equal(said(told, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN").length, 1);
  assert.match(
    said(told, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN")[0]!,
    /^tracehop: shutdown\(\) stopped the span processors while 10 spans \(9 of traced: "import orders" \(2\), "a", "b", "c", "d", 3 other names; 1 of withCarrier: "restore job"\) were still open \(not ended: /,
  );
  for (const release of releases) release();
  await Promise.all(pending);
});
