// What `npm start` (main.ts) says at the end of a run that was not whole: the lines, built apart from the
// processes so that each sentence can be checked with any count (test/examples/run-report.test.ts).
import { counted } from "./config.js";

/** A process of the run that ended on its own: its name (`api`, `relay`, `worker`) and how it ended. */
export interface EndedProcess {
  name: string;
  child: { exitCode: number | null; signalCode: NodeJS.Signals | null };
}

/** A submitted document's job, as the api last answered (`pending`, `done`, `failed`) or the database says. */
export interface Job {
  file: string;
  id: string;
  status: string;
  /**
   * Why a failed job failed, as GET's `error` says it; or why a job is still pending, when the database says
   * (its outbox row set aside: set-aside.ts).
   */
  reason?: string;
}

/** What submitting the documents left: the jobs, and the documents that did not become one. */
export interface Submission {
  jobs: Job[];
  /** The documents the api refused (an empty one), each as `FILE (STATUS: why)`, named again at the end. */
  rejected: string[];
  /** The documents not submitted because a process had ended (the rest of the list from there). */
  notSubmitted: string[];
  /** Whether the api ended while a document was sent (whether it was stored is not known). */
  unanswered: boolean;
}

/** How a process that ended did: `the worker exited with code 1`, `the relay was killed (SIGKILL)`. */
export function howEnded({ name, child }: EndedProcess): string {
  return child.signalCode !== null
    ? `the ${name} was killed (${child.signalCode})`
    : `the ${name} exited with code ${child.exitCode}`;
}

/** `a`, `a and b`, `a, b and c`. */
function list(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(", ")} and ${items.at(-1)!}`;
}

/**
 * The line about the processes that ended on their own (the worker or the relay lost RabbitMQ, a crash, a kill
 * from outside): every one of them, and how each ended. While the run was not done (`everyJobDone` false: a
 * job not done, a document not submitted or not answered): `the worker exited with code 1 before every job was
 * done (its last messages are above, prefixed [worker])`. Once every job was done all the same (a relay or
 * worker that lost RabbitMQ as the last job was done, or while the run stopped it: docs/example.md "Exit codes"), the
 * line says so rather than claim a job was left: `every job is done, but the worker exited with code 1 before
 * the run stopped it (its last messages are above, prefixed [worker])`. Either way the run exits 1.
 */
export function endedLine(ended: EndedProcess[], everyJobDone: boolean): string {
  const names = list(ended.map((p) => `[${p.name}]`));
  const their = ended.length === 1 ? "its last messages are" : "their last messages are";
  const how = list(ended.map(howEnded));
  return everyJobDone
    ? `every job is done, but ${how} before the run stopped ${ended.length === 1 ? "it" : "them"} (${their} above, prefixed ${names})`
    : `${how} before every job was done (${their} above, prefixed ${names})`;
}

/**
 * The line about the processes that failed the stop the run asked of them (its SIGTERM): they had not ended on
 * their own, but exited with a code other than 0 (their stop failed: a flush, a crash in their shutdown) or
 * were killed (SIGKILL, once they did not stop in time): `the worker exited with code 1 as the run stopped it
 * (its last messages are above, prefixed [worker])`, after `every job is done, but ` when `everyJobDone`.
 * What they were to write as they stopped (their spans) may be lost: the run exits 1.
 */
export function stopFailedLine(failed: EndedProcess[], everyJobDone: boolean): string {
  const names = list(failed.map((p) => `[${p.name}]`));
  const their = failed.length === 1 ? "its last messages are" : "their last messages are";
  const line = `${list(failed.map(howEnded))} as the run stopped ${failed.length === 1 ? "it" : "them"} (${their} above, prefixed ${names})`;
  return everyJobDone ? `every job is done, but ${line}` : line;
}

/**
 * The lines (without main.ts's `tracehop preprocess: `) that say what kept the run from being whole, in order:
 * processes that ended on their own, processes that failed their stop, documents rejected or not submitted,
 * jobs pending or not done; none when it was whole. Every count is written with its noun in the singular for 1 (config.ts counted): `1 of 1
 * document rejected by the api: …`, `of the 1 job submitted, 0 done, 1 failed`, `1 of 2 jobs did not finish:
 * …`. Any line fails the run (a job still pending is said, then counted among the unfinished).
 * @param documents how many documents were given.
 * @param jobTimeoutMs TRACEHOP_JOB_TIMEOUT_MS, named when a job is still pending and no process ended.
 * @param failedStop the processes that had not ended on their own but failed the run's stop ({@link stopFailedLine}).
 */
export function problemLines(
  documents: number,
  { jobs, rejected, notSubmitted, unanswered }: Submission,
  endedEarly: EndedProcess[],
  jobTimeoutMs: number,
  failedStop: EndedProcess[] = [],
): string[] {
  const lines: string[] = [];
  const unfinished = jobs.filter((j) => j.status !== "done");
  const everyJobDone = unfinished.length === 0 && notSubmitted.length === 0 && !unanswered;
  if (endedEarly.length > 0) lines.push(endedLine(endedEarly, everyJobDone));
  // "every job is done, but" once, on the first line that says it.
  if (failedStop.length > 0) lines.push(stopFailedLine(failedStop, everyJobDone && endedEarly.length === 0));
  if (rejected.length)
    lines.push(
      `${rejected.length} of ${counted(documents, "document")} rejected by the api: ${rejected.join(", ")}`,
    );
  if (notSubmitted.length)
    lines.push(
      `${notSubmitted.length} of ${counted(documents, "document")} not submitted (a process had ended): ${notSubmitted.join(", ")}`,
    );
  // Pending for no reason known: the run's wait ran out (a job set aside says why in the last line).
  const pending = unfinished.filter((j) => j.status === "pending" && j.reason === undefined).length;
  if (pending > 0 && endedEarly.length === 0)
    lines.push(
      `${pending === 1 ? "a job" : `${pending} jobs`} still pending after ${jobTimeoutMs} ms: raise TRACEHOP_JOB_TIMEOUT_MS for large documents, or see the processes' messages above (a busy database is retried)`,
    );
  if (unfinished.length) {
    const counts = new Map<string, number>([["done", 0]]);
    for (const { status } of jobs) counts.set(status, (counts.get(status) ?? 0) + 1);
    lines.push(
      `of the ${counted(jobs.length, "job")} submitted, ${[...counts].map(([status, n]) => `${n} ${status}`).join(", ")}`,
    );
    lines.push(
      `${unfinished.length} of ${counted(jobs.length, "job")} did not finish: ${unfinished.map((j) => `${j.file} (${j.status}${j.reason === undefined ? "" : `: ${j.reason}`})`).join(", ")}`,
    );
  }
  return lines;
}
