// `npm start` whose relay and worker both lose RabbitMQ while a job is still pending: each ends on its own
// (exit 1), telling main.ts over the IPC channel as its stop begins (config.ts ENDING_MESSAGE) and saying
// why in one line, its last, once its stop is done (spans flushed); main.ts, told by the first of them,
// stops its three processes with one SIGTERM each, and a process already ending on its own answers that
// SIGTERM with a line of its own (config.ts endingSignalLine) that main.ts does not show, for it signalled
// that process itself (main.ts startProcess, `started.stopped`). Each process's exit line is shown once,
// the summary names both processes and how they ended, and the run exits 1 (docs/example.md "Exit codes").
//
// Made deterministic by holding each step until the one before it has happened, never by a sleep:
// - one job stays pending: the test consumes the queue first, with a higher consumer priority and a
//   prefetch of 1, so RabbitMQ gives it the first job's message and the worker the second one (a consumer
//   of lower priority gets messages only while those above it are blocked by their prefetch);
// - main.ts is frozen (SIGSTOP) once it polls for that job, while the proxy in front of RabbitMQ is cut,
//   and resumed (SIGCONT) once the relay and the worker have both begun their stop (each sent main.ts its
//   ENDING_MESSAGE, which main.ts reads only then): its SIGTERMs then reach two processes already ending
//   on their own;
// - each of them stays ending until it has answered that SIGTERM: their last spans go to an OTLP endpoint
//   that holds its answers from the cut until then (a slow collector), so that their stop, and their exit
//   line after it, waits; what they write to stderr and send over the IPC channel is also seen by the test
//   (fixtures/stderr-tee.mjs), so the test knows when they began to end and that they said the line
//   main.ts drops. (Waiting for their exit lines there instead would wait for the end of a stop that the
//   endpoint holds until main's SIGTERM: their flush would give up after its bound, spans lost.)
// The only bound left is the spans' flush at exit (tracehop's shutdownTimeoutMillis, 5 s): main.ts must
// send its SIGTERMs within 5 s of the relay's and the worker's ENDING_MESSAGE, which it does in
// milliseconds once resumed.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type amqplib from "amqplib";
import { endingSignalLine, isEndingMessage } from "../../examples/preprocess/config.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { ended, startExample, type MainJobResult } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { decodeTraceRequest, type ReceivedSpan } from "../tracing/otlp-helpers.js";
import { rabbitmqDatabase } from "./queue-helpers.js";
import { HANG_GUARD_MS, SUITE_BOUND_MS, switchingProxy, within } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

const TEE = join(import.meta.dirname, "fixtures/stderr-tee.mjs");

/**
 * The things seen so far (`all`), in order, and a wait for one of them ({@link next}), until no more come
 * ({@link end}).
 */
class Seen<T> {
  readonly all: T[] = [];
  private ended = false;
  private waiters: {
    match: (item: T) => boolean;
    found: (item: T) => void;
    failed: (error: Error) => void;
  }[] = [];

  /** Keeps `item`, and gives it to the waiters it matches. */
  push(item: T): void {
    this.all.push(item);
    const found = this.waiters.filter((w) => w.match(item));
    this.waiters = this.waiters.filter((w) => !w.match(item));
    for (const w of found) w.found(item);
  }

  /** No more items come (the process that sent them exited): a wait for one not seen fails, now or later. */
  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w.failed(new Error("its process exited"));
  }

  /** The first item, seen already or to come, for which `match` holds; rejects once none can come. */
  next(match: (item: T) => boolean): Promise<T> {
    const seen = this.all.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.ended) return Promise.reject(new Error("its process exited"));
    return new Promise((found, failed) => this.waiters.push({ match, found, failed }));
  }
}

/** The lines a stream of text has carried so far (`all`), and a wait for one of them ({@link next}). */
class Lines extends Seen<string> {
  private rest = "";

  /** Adds `text`, a piece of the stream: each line it completes is kept, and given to its waiters. */
  add(text: string): void {
    const pieces = (this.rest + text).split("\n");
    this.rest = pieces.pop()!;
    for (const line of pieces) this.push(line);
  }
}

/** An OTLP/HTTP endpoint whose answers a test holds back: a collector that is slow, then answers. */
interface HoldingCollector {
  url: string;
  /** While true, each request that arrives waits for {@link release}; before, each is answered at once. */
  hold: boolean;
  /** The spans of each request, and whether it was answered (200). */
  requests: { spans: ReceivedSpan[]; answered: boolean }[];
  /** Answers the requests held so far, and those to come. */
  release(): void;
  close(): Promise<void>;
}

async function holdingCollector(): Promise<HoldingCollector> {
  const held: (() => void)[] = [];
  const open = new Set<ServerResponse>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { spans: decodeTraceRequest(Buffer.concat(chunks).toString("utf8")), answered: false };
      collector.requests.push(request);
      const answer = () => {
        request.answered = true;
        open.delete(res);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      };
      open.add(res);
      if (collector.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const collector: HoldingCollector = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: false,
    requests: [],
    release() {
      collector.hold = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((closed) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
  return collector;
}

/**
 * The stderr of the relay and of the worker as they wrote it (`relay`, `worker`), and the messages each sent
 * main.ts over the IPC channel (`sent`), seen through fixtures/stderr-tee.mjs.
 */
interface Tee {
  /** The Unix socket the tee writes to (TRACEHOP_TEST_TEE_SOCKET). */
  path: string;
  relay: Lines;
  worker: Lines;
  sent: { relay: Seen<unknown>; worker: Seen<unknown> };
  close(): Promise<void>;
}

async function teeServer(path: string): Promise<Tee> {
  const lines = { relay: new Lines(), worker: new Lines() };
  const sent = { relay: new Seen<unknown>(), worker: new Seen<unknown>() };
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    /** The process at the other end, once it wrote or sent something. */
    let from: "relay" | "worker" | undefined;
    sockets.add(socket);
    // Its socket closes as it exits: nothing more comes from it, a wait for more fails (not a hang).
    socket.on("close", () => {
      sockets.delete(socket);
      if (from !== undefined) for (const seen of [lines[from], sent[from]]) seen.end();
    });
    createInterface({ input: socket }).on("line", (line) => {
      const seen = JSON.parse(line) as { name: "relay" | "worker"; text?: string; message?: unknown };
      from = seen.name;
      if (seen.text !== undefined) lines[seen.name].add(seen.text);
      else sent[seen.name].push(seen.message);
    });
  });
  await new Promise<void>((listening) => server.listen(path, listening));
  return {
    path,
    ...lines,
    sent,
    close: () =>
      new Promise<void>((closed) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => closed());
      }),
  };
}

// One test, each of its waits bounded by the hang guard (which names what did not happen): npm start's first
// publish (its processes started), a job done, each process's ending message and answer to SIGTERM, the exit.
// Only the first takes long (the processes' start): three guards cover it, a hang after it and its guard.
describe("npm start whose relay and worker both lose RabbitMQ", { timeout: SUITE_BOUND_MS }, () => {
  const rabbitmq = useRabbitMQ();

  test("shows each one's exit line once and not its answer to main's SIGTERM, names both and exits 1", async (t) => {
    if (!rabbitmq.requireBroker(t)) return;
    const dir = tempDir(t, "lost-by-both");
    const file = join(dir, "run.db");
    const { queue } = rabbitmqDatabase(t, rabbitmq, file);
    // Declared as the worker declares it (durable, no arguments), and consumed before the relay publishes.
    const { channel } = rabbitmq;
    await channel.assertQueue(queue, { durable: true });
    await channel.prefetch(1);
    let got!: (message: amqplib.ConsumeMessage) => void;
    const taken = new Promise<amqplib.ConsumeMessage>((resolve) => (got = resolve));
    const consumer = channel.consume(queue, (message) => void (message && got(message)), { priority: 10 });

    const broker = new URL(AMQP_URL);
    const proxy = await switchingProxy(Number(broker.port || 5672), broker.hostname);
    const proxied = new URL(AMQP_URL);
    proxied.port = String(proxy.port);
    const collector = await holdingCollector();
    const tee = await teeServer(join(dir, "tee.sock"));
    const documents = ["first", "second"].map((word) => {
      const document = join(dir, `${word}.txt`);
      writeFileSync(document, `The ${word} document. It has two sentences.`);
      return document;
    });
    const run = startExample(
      "main",
      {
        DATABASE_URL: `file:${file}`,
        AMQP_URL: proxied.href,
        TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
        TRACEHOP_JOB_TIMEOUT_MS: "120000",
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
        // No export before the stop: each process's spans are sent by its flush at exit, which the
        // collector holds.
        OTEL_BSP_SCHEDULE_DELAY: "600000",
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(TEE).href}`.trim(),
        TRACEHOP_TEST_TEE_SOCKET: tee.path,
      },
      documents,
    );
    const stdout = new Lines();
    run.child.stdout!.on("data", (d: Buffer) => stdout.add(d.toString()));
    /**
     * `promise`, or a failure at once (with main's output) if main.ts ends first, or after the hang guard
     * (saying `what` did not happen).
     */
    const beforeMainEnds = <T>(promise: Promise<T>, what: string) =>
      within(
        Promise.race([
          promise,
          run.result.then((r: MainJobResult): never => {
            throw new Error(`main.ts ended (code ${r.code}) before ${what}:\n${r.stdout}\n${r.stderr}`);
          }),
        ]),
        HANG_GUARD_MS,
        what,
      );
    /** The first item of `seen` that `match` holds for; a failure if main.ts or that process ends first. */
    const awaitSeen = <T>(seen: Seen<T>, match: (item: T) => boolean, what: string) =>
      beforeMainEnds(
        seen.next(match).catch((error: Error) => {
          throw new Error(
            `${error.message} before ${what}; it had written or sent ${JSON.stringify(seen.all)}`,
          );
        }),
        what,
      );
    const pid = run.child.pid!;
    try {
      // The first job's message is the test's; the worker does the second one.
      const message = await beforeMainEnds(taken, "the relay published");
      const heldJob = (JSON.parse(message.content.toString()) as { jobId: string }).jobId;
      const done = await awaitSeen(stdout, (l) => / done, \d+ sentences$/.test(l), "a job was done");
      const submitted = documents.map((document) => {
        const line = stdout.all.find((l) => l.startsWith(`${document}: job `) && l.endsWith(" submitted"));
        assert.ok(line !== undefined, `${document} was not submitted: ${stdout.all.join("\n")}`);
        return { document, id: line.split(" ")[2]! };
      });
      const held = submitted.find((s) => s.id === heldJob);
      const other = submitted.find((s) => s.id !== heldJob);
      assert.ok(held && other, `the test took job ${heldJob}, not one of ${JSON.stringify(submitted)}`);
      assert.equal(done, `${other.document}: job ${other.id} done, 2 sentences`);

      // main.ts polls for the held job until a process ends: frozen there while both lose the broker.
      process.kill(pid, "SIGSTOP");
      collector.hold = true;
      proxy.mode = "refuse";
      // Each begins its stop, telling main.ts (frozen: it reads that only once resumed); its exit line comes
      // once that stop is done, which the collector holds.
      for (const name of ["relay", "worker"] as const)
        await awaitSeen(tee.sent[name], isEndingMessage, `the ${name} told main.ts it is ending`);
      process.kill(pid, "SIGCONT");
      // main.ts stops them: each, still flushing its spans, answers the SIGTERM in a line main.ts drops.
      for (const name of ["relay", "worker"] as const)
        await awaitSeen(
          tee[name],
          (l) => l === endingSignalLine("SIGTERM", name),
          `the ${name} answered main's SIGTERM`,
        );
      collector.release();
      const result = await ended(run, "npm start's exit once both had ended");

      assert.equal(result.code, 1, result.stderr);
      // No flush gave up (tracehop's warning, which each process's stderr would carry, shown by main.ts).
      assert.doesNotMatch(result.stderr, /TRACEHOP_FINAL_EXPORT_FAILED/);
      const shown = result.stderr.split("\n").filter((l) => l !== "");
      // Each process's own lines as it said them, once each, but for its answer to main's SIGTERM: that
      // answer first, the exit line last, once the stop was done.
      for (const name of ["relay", "worker"] as const) {
        const said = tee[name].all;
        assert.equal(said.length, 2, said.join("\n"));
        assert.equal(said[0], endingSignalLine("SIGTERM", name));
        assert.match(
          said[1]!,
          name === "relay"
            ? /^tracehop preprocess: relay: amqp queue: .+; exiting with code 1 to be started again \(the rows not yet published are published then\)$/
            : /^tracehop preprocess: worker: amqp queue: .+; exiting with code 1 to be started again$/,
        );
        assert.deepEqual(
          shown.filter((l) => l.startsWith(`[${name}] `)),
          [`[${name}] ${said[1]}`],
          result.stderr,
        );
        // It told main.ts once, as its stop began.
        assert.equal(
          tee.sent[name].all.filter(isEndingMessage).length,
          1,
          JSON.stringify(tee.sent[name].all),
        );
      }
      assert.doesNotMatch(result.stderr, /while ending on its own/);
      // Then main's own summary: both processes (in the order main.ts saw them end), the jobs as the
      // database holds them.
      const own = shown.filter((l) => !/^\[(api|relay|worker)\] /.test(l));
      const endedLine = (a: string, b: string) =>
        `tracehop preprocess: the ${a} exited with code 1 and the ${b} exited with code 1 before every job ` +
        `was done (their last messages are above, prefixed [${a}] and [${b}])`;
      assert.ok(
        [endedLine("relay", "worker"), endedLine("worker", "relay")].includes(own[0]!),
        result.stderr,
      );
      assert.deepEqual(
        own.slice(1),
        [
          "tracehop preprocess: of the 2 jobs submitted, 1 done, 1 pending",
          `tracehop preprocess: 1 of 2 jobs did not finish: ${held.document} (pending)`,
        ],
        result.stderr,
      );
      // Nothing else: no line of the api, the summary last.
      assert.equal(shown.length, 5, result.stderr);
      assert.equal(shown.indexOf(own[0]!), 2, result.stderr);
      // Their spans were flushed, as their lines said: to the collector, once it answered, and to the spans
      // file before they exited (no export ran before their stop), so that each job's trace shows them.
      for (const service of ["tracehop-preprocess-relay", "tracehop-preprocess-worker"])
        assert.ok(
          collector.requests.some((r) => r.answered && r.spans.some((s) => s.serviceName === service)),
          `no spans of ${service} reached the collector`,
        );
      const trace = (document: string, id: string, status: string) =>
        result.stdout.split("\n\n").find((block) => block.startsWith(`${document}  job ${id}  ${status}\n`));
      assert.match(trace(held.document, held.id, "pending") ?? "", /^tracehop-preprocess-relay +publish /m);
      assert.match(trace(other.document, other.id, "done") ?? "", /^tracehop-preprocess-worker +process /m);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        process.kill(pid, "SIGCONT");
        run.child.kill("SIGKILL");
      }
      collector.release();
      await ended(run, "npm start's end after the test");
      // The message it holds is dropped with the queue (rabbitmqDatabase).
      await channel.cancel((await consumer).consumerTag).catch(() => undefined);
      await Promise.all([proxy.close(), collector.close(), tee.close()]);
    }
  });
});
