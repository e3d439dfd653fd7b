// The lines `npm start` (examples/preprocess/main.ts) ends a run that was not whole with
// (examples/preprocess/run-report.ts), for every count: one thing in the singular (they once said `of the 1
// jobs submitted`, `1 of 1 documents rejected`), and a process that ended on its own once every job was
// done said as such, not as one that ended before every job was done.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { counted } from "../../examples/preprocess/config.js";
import {
  endedLine,
  problemLines,
  stopFailedLine,
  type EndedProcess,
  type Job,
  type Submission,
} from "../../examples/preprocess/run-report.js";

const exited = (name: string, exitCode = 1): EndedProcess => ({
  name,
  child: { exitCode, signalCode: null },
});
const killed = (name: string): EndedProcess => ({ name, child: { exitCode: null, signalCode: "SIGKILL" } });
const job = (file: string, status: string, reason?: string): Job => ({
  file,
  id: `id-${file}`,
  status,
  reason,
});
const submission = (over: Partial<Submission>): Submission => ({
  jobs: [],
  rejected: [],
  notSubmitted: [],
  unanswered: false,
  ...over,
});

describe("counted: a count and its noun", () => {
  test("the singular for 1 only; a plural of its own", () => {
    assert.deepEqual(
      [0, 1, 2].map((n) => counted(n, "job")),
      ["0 jobs", "1 job", "2 jobs"],
    );
    assert.equal(counted(1, "delivery", "deliveries"), "1 delivery");
    assert.equal(counted(3, "delivery", "deliveries"), "3 deliveries");
  });
});

describe("npm start's lines at the end of a run that was not whole", () => {
  test("a whole run: no line", () => {
    assert.deepEqual(problemLines(1, submission({ jobs: [job("a.txt", "done")] }), [], 60_000), []);
  });

  test("one document of one, rejected: the singular", () => {
    assert.deepEqual(problemLines(1, submission({ rejected: ["e.txt (400: empty)"] }), [], 60_000), [
      "1 of 1 document rejected by the api: e.txt (400: empty)",
    ]);
    assert.deepEqual(
      problemLines(2, submission({ jobs: [job("a.txt", "done")], rejected: ["e.txt (400: empty)"] }), [], 1),
      ["1 of 2 documents rejected by the api: e.txt (400: empty)"],
    );
  });

  test("one job of one, failed: the singular in both lines", () => {
    assert.deepEqual(problemLines(1, submission({ jobs: [job("m.txt", "failed", "too long")] }), [], 1), [
      "of the 1 job submitted, 0 done, 1 failed",
      "1 of 1 job did not finish: m.txt (failed: too long)",
    ]);
    assert.deepEqual(
      problemLines(
        2,
        submission({ jobs: [job("m.txt", "failed", "too long"), job("o.txt", "done")] }),
        [],
        1,
      ),
      ["of the 2 jobs submitted, 1 done, 1 failed", "1 of 2 jobs did not finish: m.txt (failed: too long)"],
    );
  });

  test("one job still pending at the timeout: `a job`, then the counts", () => {
    assert.deepEqual(problemLines(1, submission({ jobs: [job("a.txt", "pending")] }), [], 5000), [
      "a job still pending after 5000 ms: raise TRACEHOP_JOB_TIMEOUT_MS for large documents, or see the processes' messages above (a busy database is retried)",
      "of the 1 job submitted, 0 done, 1 pending",
      "1 of 1 job did not finish: a.txt (pending)",
    ]);
    const two = problemLines(
      2,
      submission({ jobs: [job("a.txt", "pending"), job("b.txt", "pending")] }),
      [],
      5,
    );
    assert.match(two[0]!, /^2 jobs still pending after 5 ms: /);
  });

  test("a job pending because its outbox row was set aside: its reason in the last line, no timeout advice for it", () => {
    const why =
      "its message was set aside by the relay until 2026-12-04T05:00:00.000Z: 406 PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096: raise the broker's max_message_size (rabbitmq.conf) to 5000 bytes or more, or make the message smaller";
    assert.deepEqual(problemLines(1, submission({ jobs: [job("a.txt", "pending", why)] }), [], 5000), [
      "of the 1 job submitted, 0 done, 1 pending",
      `1 of 1 job did not finish: a.txt (pending: ${why})`,
    ]);
    // Beside one pending for no reason known: the advice counts that one alone.
    const two = problemLines(
      2,
      submission({ jobs: [job("a.txt", "pending", why), job("b.txt", "pending")] }),
      [],
      5000,
    );
    assert.match(two[0]!, /^a job still pending after 5000 ms: /);
    assert.equal(two.at(-1), `2 of 2 jobs did not finish: a.txt (pending: ${why}), b.txt (pending)`);
  });

  test("one document of one not submitted, a process having ended: the singular", () => {
    assert.deepEqual(problemLines(1, submission({ notSubmitted: ["a.txt"] }), [exited("worker")], 1), [
      "the worker exited with code 1 before every job was done (its last messages are above, prefixed [worker])",
      "1 of 1 document not submitted (a process had ended): a.txt",
    ]);
  });

  test("a process that ended on its own while a job was not done: `before every job was done`", () => {
    assert.deepEqual(
      problemLines(
        1,
        submission({ jobs: [job("a.txt", "pending")] }),
        [exited("relay"), killed("worker")],
        1,
      ),
      [
        "the relay exited with code 1 and the worker was killed (SIGKILL) before every job was done (their last messages are above, prefixed [relay] and [worker])",
        "of the 1 job submitted, 0 done, 1 pending",
        "1 of 1 job did not finish: a.txt (pending)",
      ],
    );
  });

  test("a process that ended on its own once every job was done: said so, not `before every job was done`", () => {
    assert.deepEqual(problemLines(1, submission({ jobs: [job("a.txt", "done")] }), [exited("worker")], 1), [
      "every job is done, but the worker exited with code 1 before the run stopped it (its last messages are above, prefixed [worker])",
    ]);
    assert.equal(
      endedLine([exited("relay"), exited("worker")], true),
      "every job is done, but the relay exited with code 1 and the worker exited with code 1 before the run stopped them (their last messages are above, prefixed [relay] and [worker])",
    );
    // A document the api did not answer (the api ended while it was sent) may be a job not done.
    assert.match(
      problemLines(2, submission({ jobs: [job("a.txt", "done")], unanswered: true }), [exited("api")], 1)[0]!,
      /^the api exited with code 1 before every job was done /,
    );
  });

  test("a process that failed the run's stop (exit 1, or killed once it did not stop in time), none ended on its own: said as such", () => {
    assert.deepEqual(
      problemLines(1, submission({ jobs: [job("a.txt", "done")] }), [], 1, [exited("worker")]),
      [
        "every job is done, but the worker exited with code 1 as the run stopped it (its last messages are above, prefixed [worker])",
      ],
    );
    assert.equal(
      stopFailedLine([exited("relay", 3), killed("worker")], false),
      "the relay exited with code 3 and the worker was killed (SIGKILL) as the run stopped them (their last messages are above, prefixed [relay] and [worker])",
    );
    // With a job not done too, and with a process that ended on its own: `every job is done` is not said, and
    // said once at most.
    assert.deepEqual(
      problemLines(1, submission({ jobs: [job("a.txt", "pending")] }), [], 1, [exited("worker")]),
      [
        "the worker exited with code 1 as the run stopped it (its last messages are above, prefixed [worker])",
        "a job still pending after 1 ms: raise TRACEHOP_JOB_TIMEOUT_MS for large documents, or see the processes' messages above (a busy database is retried)",
        "of the 1 job submitted, 0 done, 1 pending",
        "1 of 1 job did not finish: a.txt (pending)",
      ],
    );
    assert.deepEqual(
      problemLines(1, submission({ jobs: [job("a.txt", "done")] }), [exited("relay")], 1, [exited("worker")]),
      [
        "every job is done, but the relay exited with code 1 before the run stopped it (its last messages are above, prefixed [relay])",
        "the worker exited with code 1 as the run stopped it (its last messages are above, prefixed [worker])",
      ],
    );
  });
});
