// The queue tag a SQLite database of the main job stores (examples/preprocess/pipeline.ts): the tests that
// look at the RabbitMQ queues of a run find their names from it.
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { QUEUE_TAG_KEY } from "../../examples/preprocess/pipeline.js";

/**
 * Stores `tag` (default: 8 random hex digits, as a first start makes) as the queue tag of the migrated
 * SQLite file `file`, so that a test knows the RabbitMQ queue names before a relay or worker starts on it.
 * Returns the tag.
 */
export function storeQueueTag(file: string, tag = randomBytes(4).toString("hex")): string {
  const db = new Database(file);
  try {
    db.prepare("INSERT INTO PipelineSetting (key, value) VALUES (?, ?)").run(QUEUE_TAG_KEY, tag);
  } finally {
    db.close();
  }
  return tag;
}

/** The queue tag stored in the SQLite file `file`, or `undefined` when it has none (or no such table). */
export function storedQueueTag(file: string): string | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM PipelineSetting WHERE key = ?").get(QUEUE_TAG_KEY) as
      { value: string } | undefined;
    return row?.value;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
