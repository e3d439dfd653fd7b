// The main job: runs the api, relay and worker as three processes, submits documents over HTTP as a
// client would, waits until every job is done, stops the processes (spans flushed) and prints each
// job's trace as a tree. Usage: npm start [-- FILE...]  (default: the project's README.md)
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import {
  exitForBadInput,
  exitOnBadInput,
  exitOnSettingProblems,
  firstLine,
  PROJECT_ROOT,
  redact,
  setting,
  spansFile,
} from "./config.js";
import { prepareDatabase } from "./db.js";
import { datadogIds, formatTraceTree, readSpansFile } from "./trace-tree.js";

const JOB_TIMEOUT_MS = setting("TRACEHOP_JOB_TIMEOUT_MS");
const START_TIMEOUT_MS = setting("TRACEHOP_START_TIMEOUT_MS");
const STOP_TIMEOUT_MS = 15_000;
/** Submissions of one document while the api answers 503 (database busy). */
const SUBMIT_ATTEMPTS = 3;

/**
 * A process that ended while the jobs were still pending (the worker or the relay lost RabbitMQ, any
 * process crashed): the run stops waiting for them and says which process ended and how.
 */
class ExitedWhileRunning extends Error {
  constructor({ name, child }: Started) {
    const how =
      child.signalCode !== null ? `was killed (${child.signalCode})` : `exited with code ${child.exitCode}`;
    super(`the ${name} ${how} before every job was done (its last messages are above, prefixed [${name}])`);
  }
}

/** A process that exited before it was ready; code 2: it refused bad input and said why (a port in use). */
class ExitedBeforeReady extends Error {
  constructor(
    name: string,
    readonly code: number | null,
  ) {
    super(`${name} exited with code ${code} before it was ready`);
  }
}

interface Started {
  name: string;
  child: ChildProcess;
  ready: Promise<string>;
}

function startProcess(name: string): Started {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, `${name}.ts`)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: process.env.PORT ?? "0" },
    // The IPC channel closes when this process dies, however it dies: the children then stop too.
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const ready = new Promise<string>((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      console.log(`[${name}] ${line}`);
      if (line.endsWith("READY")) resolveReady(line);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => console.error(`[${name}] ${line}`));
    child.once("exit", (code) => reject(new ExitedBeforeReady(name, code)));
  });
  ready.catch(() => undefined);
  return { name, child, ready };
}

async function stopProcess({ name, child }: Started): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    console.error(`[${name}] did not stop within ${STOP_TIMEOUT_MS} ms: killed`);
    child.kill("SIGKILL");
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function readDocuments(files: string[]): { file: string; text: Buffer }[] {
  return files.map((file) => {
    const path = resolve(file);
    let text: Buffer;
    try {
      if (!statSync(path).isFile()) exitForBadInput(`${file} is not a file: pass text files to preprocess`);
      // Sent as the file's bytes: the api decides whether they are UTF-8 text.
      text = readFileSync(path);
    } catch (err) {
      exitForBadInput(`cannot read ${file}: ${(err as Error).message}`);
    }
    return { file: relative(process.cwd(), path) || path, text };
  });
}

/** With AMQP_URL set, the broker must answer before the processes start. */
async function checkBroker(): Promise<void> {
  const url = process.env.AMQP_URL;
  if (!url) return;
  try {
    const amqp = await import("amqplib");
    const connection = await amqp.connect(url, { timeout: 5000 });
    await connection.close();
  } catch (err) {
    exitForBadInput(
      `cannot reach RabbitMQ at AMQP_URL (${redact(url)}): ${firstLine(err)}. Start the broker, fix AMQP_URL, or unset it to use the embedded queue.`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: npm start [-- FILE...]   (default: README.md)");
    return;
  }
  exitOnSettingProblems();
  const documents = readDocuments(args.length ? args : [resolve(PROJECT_ROOT, "README.md")]);
  // The migrations applied before the processes start; each of them then checks the database, as it does
  // when started by hand.
  await prepareDatabase().catch(exitOnBadInput);
  await checkBroker();
  const spansPath = spansFile();
  let spansOffset = 0;
  try {
    spansOffset = statSync(spansPath).size;
  } catch {
    // no spans file yet
  }

  const processes = ["api", "relay", "worker"].map(startProcess);
  // Ctrl-C or a kill of this process stops the three processes cleanly (spans flushed) before exiting.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`tracehop preprocess: ${signal}: stopping the api, relay and worker`);
      void Promise.all(processes.map(stopProcess)).finally(() => process.exit(130));
    });
  }
  const jobs: { file: string; id: string; status: string }[] = [];
  let ok = true;
  /** A process refused bad input at start-up: the run exits 2, as for bad input of its own. */
  let badInput = false;
  /** A process ended while the jobs were pending (said already): they were not waited for. */
  let ended = false;
  try {
    // The start timeout's timer is cleared once the processes are up: a pending timer would keep
    // this process alive for the rest of the timeout after the job is done.
    let startTimer: NodeJS.Timeout | undefined;
    const startTimeout = new Promise<never>((_, reject) => {
      startTimer = setTimeout(
        () => reject(new Error(`the processes did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
    });
    let apiLine: string | undefined;
    try {
      [apiLine] = await Promise.race([Promise.all(processes.map((p) => p.ready)), startTimeout]);
    } finally {
      clearTimeout(startTimer);
    }
    const base = /(http:\/\/[^ ]+)/.exec(apiLine!)![1]!;

    for (const { file, text } of documents) {
      // 503: the database stayed busy and nothing was stored; sent again after its Retry-After.
      let res: Response;
      for (let attempt = 1; ; attempt++) {
        res = await fetch(`${base}/preprocess-jobs`, {
          method: "POST",
          headers: { "content-type": "text/plain; charset=utf-8" },
          body: text,
        });
        if (res.status !== 503 || attempt === SUBMIT_ATTEMPTS) break;
        await res.arrayBuffer();
        await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
      }
      const body = (await res.json()) as { id?: string; error?: string };
      if (res.status !== 201 || !body.id) {
        console.error(`${file}: rejected (${res.status}): ${body.error ?? "no id"}`);
        ok = false;
        continue;
      }
      console.log(`${file}: job ${body.id} submitted`);
      jobs.push({ file, id: body.id, status: "pending" });
    }

    const deadline = Date.now() + JOB_TIMEOUT_MS;
    while (jobs.some((j) => j.status === "pending") && Date.now() < deadline) {
      await sleep(100);
      // A process that ended (its queue lost, a crash) would leave the jobs pending until the timeout.
      const ended = processes.find(({ child }) => child.exitCode !== null || child.signalCode !== null);
      if (ended) throw new ExitedWhileRunning(ended);
      for (const job of jobs.filter((j) => j.status === "pending")) {
        // A 503 (database busy) or a dropped connection is asked again at the next poll.
        let res: Response;
        let body: { status?: string; sentences?: number };
        try {
          res = await fetch(`${base}/preprocess-jobs/${job.id}`);
          body = (await res.json()) as typeof body;
        } catch (err) {
          const api = processes[0]!.child;
          if (api.exitCode !== null || api.signalCode !== null) throw err; // the api is gone, not just busy
          continue;
        }
        if (res.status === 200 && body.status !== undefined && body.status !== "pending") {
          job.status = body.status;
          console.log(`${job.file}: job ${job.id} ${body.status}, ${body.sentences} sentences`);
        }
      }
    }
  } catch (err) {
    console.error(`tracehop preprocess: ${(err as Error).message}`);
    ok = false;
    badInput = err instanceof ExitedBeforeReady && err.code === 2;
    ended = err instanceof ExitedWhileRunning;
  } finally {
    await Promise.all(processes.map(stopProcess));
  }

  const spans = readSpansFile(spansPath, spansOffset);
  for (const job of jobs) {
    const marker = spans.find(
      (s) => s.attributes["preprocess.job.id"] === job.id && s.service.endsWith("-api"),
    );
    console.log("");
    if (!marker) {
      console.log(`${job.file}: no spans found for job ${job.id} in ${spansPath}`);
      continue;
    }
    const { traceId, tid } = datadogIds(marker.traceId);
    console.log(`${job.file}  job ${job.id}  ${job.status}`);
    console.log(
      `trace ${marker.traceId} (W3C)  =  ${traceId} (Datadog x-datadog-trace-id, _dd.p.tid=${tid})`,
    );
    console.log(formatTraceTree(spans.filter((s) => s.traceId === marker.traceId)));
  }
  console.log(`\nspans: ${spansPath}`);

  const unfinished = jobs.filter((j) => j.status !== "done");
  if (unfinished.some((j) => j.status === "pending") && !ended) {
    console.error(
      `tracehop preprocess: jobs still pending after ${JOB_TIMEOUT_MS} ms: raise TRACEHOP_JOB_TIMEOUT_MS for large documents, or see the processes' messages above (a busy database is retried)`,
    );
  }
  if (unfinished.length) {
    console.error(
      `tracehop preprocess: ${unfinished.length} of ${jobs.length} jobs did not finish: ${unfinished.map((j) => `${j.file} (${j.status})`).join(", ")}`,
    );
    ok = false;
  }
  if (!ok) process.exit(badInput ? 2 : 1);
}

await main();
