// What the tests of the worker's store (job-sentences.test.ts, statement-binlog.test.ts) write and read
// back: numbered sentences, the rows they make, a store with no retry, and a job's status and rows.
import type { Database } from "../../examples/preprocess/db.js";
import type { StoreOptions } from "../../examples/preprocess/job-sentences.js";

/** `count` sentences, `N0.` to `N<count - 1>.`. */
export const sentencesOf = (count: number) => Array.from({ length: count }, (_, i) => `N${i}.`);

/** The rows ([index, text]) that {@link sentencesOf}`(count)` is stored as. */
export const expectedRows = (count: number) => sentencesOf(count).map((text, i) => [i, text]);

/** No retry of transient failures, nothing between chunks. */
export const PLAIN: StoreOptions = { retry: { attempts: 1 }, between: async () => {} };

/** Job `id`'s status and its rows, in order of index. */
export async function jobOf(db: Database, id: string) {
  const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
  const rows = await db.sentence.findMany({ where: { jobId: id }, orderBy: { index: "asc" } });
  return { status: job.status, rows: rows.map((row) => [row.index, row.text]) };
}
