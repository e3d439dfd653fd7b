/**
 * The RabbitMQ queue of a database is named from the database itself (its stored tag, pipeline.ts), not
 * from the DATABASE_URL text: a relay and a worker given two texts for the same database share a queue;
 * two databases keep theirs; a database used before the tag was stored keeps its old queue. Real
 * RabbitMQ (three connections at most: the test's own and two queues), queues named tracehop-queue-tag-..., deleted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { basename, dirname } from "node:path";
import { after, describe, test } from "node:test";
import { urlTag, queueTag, QUEUE_TAG_KEY } from "../../examples/preprocess/pipeline.js";
import { openQueue, type Queue, type QueueMessage } from "../../examples/preprocess/queue.js";
import { BadInputError } from "../../examples/preprocess/config.js";
import type { Database } from "../../examples/preprocess/db.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";
import { quietly, until } from "./queue-helpers.js";

const files: ExampleSqliteFile[] = [];
after(() => Promise.all(files.map((file) => file.close())));

/** A fresh migrated SQLite file, closed after the file's tests. */
function sqliteFile(): ExampleSqliteFile & { path: string } {
  const file = openExampleSqliteFile("queue-tag");
  files.push(file);
  return Object.assign(file, { path: file.raw.name });
}

/** The queue openQueue gives with AMQP_URL and DATABASE_URL set as the relay and the worker read them. */
async function openWith(db: Database, databaseUrl: string): Promise<Queue> {
  const saved = { amqp: process.env.AMQP_URL, database: process.env.DATABASE_URL };
  process.env.AMQP_URL = AMQP_URL;
  process.env.DATABASE_URL = databaseUrl;
  try {
    return await openQueue(db);
  } finally {
    for (const [name, value] of [
      ["AMQP_URL", saved.amqp],
      ["DATABASE_URL", saved.database],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  }
}

describe("the queue tag of a database", () => {
  test("made once, random for a new database, and read back whatever URL text asks", async () => {
    const file = sqliteFile();
    const first = await queueTag(file.db as never, `file:${file.path}`);
    assert.match(first, /^[0-9a-f]{8}$/);
    assert.notEqual(first, urlTag(`file:${file.path}`));
    const other = `file:${dirname(file.path)}/../${basename(dirname(file.path))}/example.db`;
    assert.equal(await queueTag(file.connect() as never, other), first);
    const rows = await file.db.pipelineSetting.findMany();
    assert.deepEqual(rows, [{ key: QUEUE_TAG_KEY, value: first }]);
    // Another database gets another tag.
    const second = sqliteFile();
    assert.notEqual(await queueTag(second.db as never, `file:${second.path}`), first);
  });

  test("a database with jobs and no stored tag (used before) keeps the tag of its URL, so its old queue", async () => {
    const file = sqliteFile();
    await file.db.preprocessJob.create({ data: { text: "left in the old queue." } });
    const url = `file:${file.path}`;
    assert.equal(await queueTag(file.db as never, url), urlTag(url));
    assert.equal(await queueTag(file.connect() as never, `${url}?other`), urlTag(url));
  });

  test("two processes making it at once get the same tag", async () => {
    const file = sqliteFile();
    const tags = await Promise.all(
      [file.connect(), file.connect(), file.connect()].map((db) =>
        queueTag(db as never, `file:${file.path}`),
      ),
    );
    assert.equal(new Set(tags).size, 1, String(tags));
  });

  test("a stored value that is no tag is refused, saying what to do", async () => {
    const file = sqliteFile();
    await file.db.pipelineSetting.create({ data: { key: QUEUE_TAG_KEY, value: "a b" } });
    await assert.rejects(
      queueTag(file.db as never, `file:${file.path}`),
      (error: Error) =>
        error instanceof BadInputError &&
        /PipelineSetting "queue-tag" is "a b", not a queue tag .*delete the row/.test(error.message),
    );
  });
});

describe("relay and worker on one database through two DATABASE_URL texts (RabbitMQ)", () => {
  const broker = useRabbitMQ();

  test("the relay's message reaches the worker: one queue, named from the database", async (t) => {
    if (!broker.requireBroker(t)) return;
    const file = sqliteFile();
    const asWritten = `file:${file.path}`;
    // Another text for the same file (as another host alias or password would be for a server).
    const otherText = `file:${dirname(file.path)}/./example.db`;
    assert.notEqual(asWritten, otherText);
    const name = `tracehop-queue-tag-jobs-${randomBytes(4).toString("hex")}`;
    const relay = await openWith(file.db as never, asWritten);
    const worker = await openWith(file.connect() as never, otherText);
    const destination = relay.destination!(name);
    try {
      assert.equal(worker.destination!(name), destination);
      const tag = (await file.db.pipelineSetting.findUnique({ where: { key: QUEUE_TAG_KEY } }))!.value;
      assert.equal(destination, `${name}.${tag}`);
      const seen: string[] = [];
      await quietly(async () => {
        await relay.publish(name, "job-1", {});
        void worker.consume(name, async (message: QueueMessage) => void seen.push(message.body));
        await until(() => seen.length === 1);
      });
      assert.deepEqual(seen, ["job-1"]);
    } finally {
      await relay.close();
      await worker.close();
      for (const queue of [destination, `${destination}.dead`]) await broker.channel.deleteQueue(queue);
    }
  });
});
