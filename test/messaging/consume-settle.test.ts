/**
 * The consume pattern the documents teach (`void withProcessSpan(msg, ...).then(ack, nack)`) when the
 * channel closes while `fn` runs: amqplib's ack and nack throw then, and a promise chain nobody awaits
 * turns that into an unhandled rejection, which ends a Node process. Against the real broker
 * (127.0.0.1:5672 or TRACEHOP_TEST_AMQP_URL): what the documented chain gives, its `.catch` included,
 * and that the message is delivered again in the same trace. And every such chain in README.md and
 * docs/*.md ends with a `.catch`.
 */
import { readFileSync } from "node:fs";
import { after, before, beforeEach, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import type amqplib from "amqplib";
import { rabbitmqDestinationName, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { markdownFiles } from "../support/markdown-files.js";
import { envWithoutOtel, runModuleScript } from "../support/child-script.js";
import { AMQP_URL, connectOrSkipReason, uniqueQueue } from "./rabbitmq.js";
import { exporter, spansNamed } from "./tracing.js";

let connection: amqplib.ChannelModel | undefined;
let skipReason = "";
before(async () => {
  const result = await connectOrSkipReason();
  if (typeof result === "string") skipReason = result;
  else {
    connection = result;
    connection.on("error", () => undefined);
  }
});
after(async () => connection?.close().catch(() => undefined));
beforeEach(() => exporter.reset());

function requireBroker(t: TestContext): boolean {
  if (connection) return true;
  t.skip(skipReason);
  return false;
}

/**
 * The lines of a worker script that consumes one message of `queue` with the documented chain, as a
 * user's worker runs it: `fn` waits until the broker has closed the channel (another operation on it
 * failed: a `checkQueue` of a missing queue, 404 NOT_FOUND), then resolves; with `withCatch` the chain
 * ends with the documents' `.catch`. The script prints `caught <error name>` from the catch and
 * `settled` once the chain has settled, and exits 0 a moment later, unless something ended it first.
 */
function workerScript(queue: string, withCatch: boolean): string[] {
  return [
    `import amqp from "amqplib";`,
    `import { rabbitmqDestinationName, withProcessSpan } from "./src/messaging/index.js";`,
    `const connection = await amqp.connect(${JSON.stringify(AMQP_URL)});`,
    `connection.on("error", () => undefined);`,
    `const channel = await connection.createChannel();`,
    `channel.on("error", () => undefined);`,
    `const closed = new Promise((resolve) => channel.once("close", resolve));`,
    `const queue = ${JSON.stringify(queue)};`,
    `await channel.consume(queue, (msg) => {`,
    `  if (!msg) return;`,
    `  const destination = rabbitmqDestinationName(msg, queue);`,
    `  const chain = withProcessSpan(msg, { system: "rabbitmq", destination }, async () => {`,
    `    channel.checkQueue(queue + ".missing").catch(() => undefined);`,
    `    await closed;`,
    `  }).then(`,
    `    () => channel.ack(msg),`,
    `    () => channel.nack(msg, false, false),`,
    `  );`,
    withCatch
      ? `  void chain.catch((error) => console.log("caught " + error.name)).finally(() => console.log("settled"));`
      : `  void chain;`,
    `});`,
    `setTimeout(() => { console.log("exited normally"); process.exit(0); }, 1500);`,
  ];
}

/** A queue of the test's own holding one message sent in `withSendSpan` (headers with its context). */
async function queueWithOneMessage(
  t: TestContext,
): Promise<{ queue: string; channel: amqplib.ConfirmChannel }> {
  const queue = uniqueQueue("consume-settle");
  const channel = await connection!.createConfirmChannel();
  channel.on("error", () => undefined);
  await channel.assertQueue(queue, { durable: false });
  t.after(async () => {
    await channel.deleteQueue(queue).catch(() => undefined);
    await channel.close().catch(() => undefined);
  });
  await withSendSpan(
    { system: "rabbitmq", destination: rabbitmqDestinationName("", queue), routingKey: queue },
    async (headers) => {
      channel.sendToQueue(queue, Buffer.from("{}"), { headers, messageId: "m-1" });
      // On the broker before the worker (a child run synchronously: this event loop waits) starts.
      await channel.waitForConfirms();
    },
  );
  return { queue, channel };
}

test("the chain without a catch: the ack on the closed channel ends the worker process (unhandled rejection)", async (t) => {
  if (!requireBroker(t)) return;
  const { queue } = await queueWithOneMessage(t);
  const run = runModuleScript(workerScript(queue, false), envWithoutOtel());
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /IllegalOperationError: Channel closed/);
  assert.doesNotMatch(run.stdout, /exited normally/);
});

test("the documented chain's catch takes that error; the message comes again, its process span in the same trace", async (t) => {
  if (!requireBroker(t)) return;
  const { queue, channel } = await queueWithOneMessage(t);
  const run = runModuleScript(workerScript(queue, true), envWithoutOtel());
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "caught IllegalOperationError\nsettled\nexited normally\n");

  // Not acknowledged: the broker requeued it with the channel, and the next consumer gets it again.
  const msg = await channel.get(queue, { noAck: false });
  assert.notEqual(msg, false);
  const redelivered = msg as amqplib.GetMessage;
  assert.equal(redelivered.fields.redelivered, true);
  assert.equal(redelivered.properties.messageId, "m-1");
  await withProcessSpan(redelivered, { system: "rabbitmq", destination: queue }, async () => undefined);
  channel.ack(redelivered);

  const [send] = spansNamed(`publish ${queue}`);
  const [processed] = spansNamed(`process ${queue}`);
  assert.ok(send && processed);
  assert.equal(processed.kind, SpanKind.CONSUMER);
  assert.equal(processed.spanContext().traceId, send.spanContext().traceId);
  assert.equal(processed.parentSpanContext?.spanId, send.spanContext().spanId);
});

/** The TypeScript blocks of a Markdown document. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** From `start`, the text up to the `;` that ends the statement (parentheses and braces balanced). */
function statementAt(code: string, start: number): string {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === ";" && depth === 0) return code.slice(start, i + 1);
  }
  return code.slice(start);
}

test("every unawaited chain in the documents that acks, nacks or rejects a message ends with a catch", () => {
  const unsafe: string[] = [];
  let chains = 0;
  for (const file of markdownFiles()) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    for (const code of tsBlocks(text))
      for (const match of code.matchAll(/\bvoid\s+\w/g)) {
        const statement = statementAt(code, match.index);
        if (!/\.then\(/.test(statement) || !/\.(ack|nack|reject)\(/.test(statement)) continue;
        chains++;
        if (!/\)\s*\.catch\(/.test(statement)) unsafe.push(`${file}: ${statement.split("\n")[0]}`);
      }
  }
  assert.ok(chains >= 2, `found ${chains} chains: the documents' consume examples moved?`);
  assert.deepEqual(unsafe, []);
});
