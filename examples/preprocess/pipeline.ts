// The identity of a database's pipeline on a shared broker: the tag of its RabbitMQ queue names.
import { createHash, randomBytes } from "node:crypto";
import { BadInputError, quotedText } from "./config.js";
import type { Database } from "./db.js";
import { databaseErrorCode, retryTransient } from "./transient.js";

/** The PipelineSetting key of the queue tag. */
export const QUEUE_TAG_KEY = "queue-tag";
/** Hex digits of a tag made here (a random one, or the hash of a DATABASE_URL). */
export const QUEUE_TAG_LENGTH = 8;
/** What a stored tag may be: it ends RabbitMQ queue names (at most 255 bytes in all). */
const QUEUE_TAG = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The tag of the database's RabbitMQ queues: the queue `jobs` of this database is `jobs.<tag>`
 * (queue-amqp.ts), so that runs on different databases never take each other's messages on a shared
 * broker. Stored in the database itself (the PipelineSetting row `queue-tag`), so that every relay and
 * worker on the same database uses the same queue whatever DATABASE_URL text it was given: another host
 * name or port for the same server, a changed password, a query option (the tag was the hash of that
 * text: a relay and a worker given two texts used two queues and the jobs stayed pending, nothing said).
 *
 * Made by the first process that asks on a database without one:
 * - a database that already holds jobs or outbox rows (used before the tag was stored): the hash of
 *   `databaseUrl` ({@link urlTag}), the tag it had then, so that the messages waiting in its queue are
 *   still consumed (when that process is given the DATABASE_URL text the earlier runs used);
 * - else {@link QUEUE_TAG_LENGTH} random hex digits.
 * Two processes that make it at once: the second's insert fails on the key (P2002) and it reads the first's.
 * A busy database is retried as elsewhere (transient.ts). An operator may set the row (letters, digits,
 * `-`, `_`; at most 64) to pin the queues' names.
 * @throws BadInputError when the stored tag is not such a value; the database's error when it cannot be read.
 */
export async function queueTag(db: Database, databaseUrl: string): Promise<string> {
  const stored = await retryTransient(() => readTag(db));
  if (stored !== undefined) return stored;
  const used = await retryTransient(
    async () => (await db.preprocessJob.count({ take: 1 })) + (await db.outbox.count({ take: 1 })) > 0,
  );
  const made = used ? urlTag(databaseUrl) : randomBytes(QUEUE_TAG_LENGTH / 2).toString("hex");
  try {
    await retryTransient(() => db.pipelineSetting.create({ data: { key: QUEUE_TAG_KEY, value: made } }));
    return made;
  } catch (error) {
    if (databaseErrorCode(error) !== "P2002") throw error;
    const first = await retryTransient(() => readTag(db));
    if (first === undefined) throw error;
    return first;
  }
}

/** The tag of the queue names before it was stored: the first 8 hex digits of SHA-256 of the URL text. */
export function urlTag(databaseUrl: string): string {
  return createHash("sha256").update(databaseUrl).digest("hex").slice(0, QUEUE_TAG_LENGTH);
}

/** The stored tag, or `undefined` when there is none. @throws BadInputError for a value that is no tag. */
async function readTag(db: Database): Promise<string | undefined> {
  const row = await db.pipelineSetting.findUnique({ where: { key: QUEUE_TAG_KEY } });
  if (row === null) return undefined;
  if (!QUEUE_TAG.test(row.value))
    throw new BadInputError(
      `the database's PipelineSetting "${QUEUE_TAG_KEY}" is ${quotedText(row.value)}, not a queue tag ` +
        `(1 to 64 letters, digits, - or _): set it to one, or delete the row to have a new one made`,
    );
  return row.value;
}
