// POST /preprocess-jobs with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the same key
// and document sent again, one after the other or at once, make one job and one outbox row, and every answer
// names it; the key sent with another document is a 422; a key of another form is a 400. Before the key, a
// client that sent a document again after a lost answer (the api killed mid-request) made two jobs.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { describe } from "node:test";
import Database from "better-sqlite3";
import { readSpansFile } from "../../src/spans/index.js";
import { createDatabase } from "../prisma/databases.js";
import { startApi } from "../support/by-hand.js";
import { requireBuild } from "../support/build.js";
import { boundedTest, HANG_GUARD_MS, within } from "./tcp-servers.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

/** The PreprocessJob and Outbox rows of a database, as the tests read them. */
interface Stored {
  jobs: { id: string; idempotencyKey: string | null; idempotencyFingerprint: string | null }[];
  outbox: { aggregateId: string; traceContext: string | null }[];
  /** The `traceContext` of each job, by id, as stored (JSON text). */
  carriers: Map<string, string | null>;
}

/** The rows of the SQLite file `db`. */
function storedSqlite(db: string): Stored {
  const file = new Database(db, { readonly: true });
  try {
    const jobs = file
      .prepare(
        'SELECT "id", "idempotencyKey", "idempotencyFingerprint", "traceContext" FROM "PreprocessJob" ORDER BY "createdAt"',
      )
      .all() as (Stored["jobs"][number] & { traceContext: string | null })[];
    const outbox = file
      .prepare('SELECT "aggregateId", "traceContext" FROM "Outbox"')
      .all() as Stored["outbox"];
    return {
      jobs: jobs.map(({ id, idempotencyKey, idempotencyFingerprint }) => ({
        id,
        idempotencyKey,
        idempotencyFingerprint,
      })),
      outbox,
      carriers: new Map(jobs.map((job) => [job.id, job.traceContext])),
    };
  } finally {
    file.close();
  }
}

/** An answer read whole: status, the replay header, the parsed JSON body. */
interface Answer {
  status: number;
  replayed: string | string[] | undefined;
  body: { id?: string; status?: string; error?: string };
}

/**
 * POSTs `text` to `base` as text/plain (`json`: as `{"text": ...}`) with the Idempotency-Key field
 * `key` (an array: one field line each; `undefined`: none), through node:http so that any bytes and
 * repeated fields go as given; the answer waited for within the hang guard.
 */
function post(base: string, text: string, key?: string | string[], json = false): Promise<Answer> {
  const headers: Record<string, string | string[]> = {
    "content-type": json ? "application/json" : "text/plain",
  };
  if (key !== undefined) headers["idempotency-key"] = key;
  const answer = new Promise<Answer>((resolve, reject) => {
    const sent = request(`${base}/preprocess-jobs`, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          replayed: res.headers["idempotent-replayed"],
          body: JSON.parse(Buffer.concat(chunks).toString()) as Answer["body"],
        }),
      );
    });
    sent.on("error", reject);
    sent.end(json ? JSON.stringify({ text }) : text);
  });
  return within(answer, HANG_GUARD_MS, `the api's answer to a POST (key ${JSON.stringify(key)})`);
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

const DOCUMENT = "One sentence. Another one.";
const KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324";

test("the same key and document sent again: the first job, 201 with Idempotent-Replayed: true, no second job nor outbox row; the key with another document: 422", async (t) => {
  const { base, db, stop } = await startApi(t, "api-idempotency");
  const first = await post(base, DOCUMENT, KEY);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.replayed, undefined);
  const id = first.body.id!;
  assert.deepEqual(first.body, { id, status: "pending" });

  // Sent again: as text, as JSON (the same document: the fingerprint is of its text), the key as a
  // Structured Field string (the same key), with parameters (ignored: the same key; RFC 9651 §2).
  for (const [key, json] of [
    [KEY, false],
    [KEY, true],
    [`"${KEY}"`, false],
    [`"${KEY}";v=1;grease`, false],
    [`"${KEY}"; scope="doc"`, false],
  ] as const) {
    const again = await post(base, DOCUMENT, key, json);
    assert.deepEqual(again, { status: 201, replayed: "true", body: { id, status: "pending" } }, key);
  }

  // The key with another document: refused, nothing stored.
  const other = await post(base, "Another document.", KEY);
  assert.deepEqual(other, {
    status: 422,
    replayed: undefined,
    body: {
      error:
        `the Idempotency-Key "${KEY}" was used before for another document: send a new key with a new ` +
        "document (a key stands for one document, draft-ietf-httpapi-idempotency-key-header §2.2, §2.7)",
    },
  });

  // Without a key, or with another one: a new job each time, as before.
  const keyless = await post(base, DOCUMENT);
  const otherKey = await post(base, DOCUMENT, "another-key");
  assert.deepEqual([keyless.status, otherKey.status], [201, 201]);
  assert.equal(new Set([id, keyless.body.id, otherKey.body.id]).size, 3);

  const stored = storedSqlite(db);
  assert.deepEqual(stored.jobs, [
    { id, idempotencyKey: KEY, idempotencyFingerprint: sha256(DOCUMENT) },
    { id: keyless.body.id, idempotencyKey: null, idempotencyFingerprint: null },
    { id: otherKey.body.id, idempotencyKey: "another-key", idempotencyFingerprint: sha256(DOCUMENT) },
  ]);
  assert.deepEqual(stored.outbox.map((row) => row.aggregateId).sort(), stored.jobs.map((j) => j.id).sort());
  await stop();
});

test("a key of another form is a 400 saying what to send, and stores nothing", async (t) => {
  const { base, db, stop } = await startApi(t, "api-idempotency");
  const SEND =
    "send 1 to 255 visible ASCII characters (no space), bare or as a Structured Field string, " +
    'e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324" (draft-ietf-httpapi-idempotency-key-header §2.1)';
  const PARAMETERS =
    "RFC 9651 §3.1.2: each is ;key or ;key=value, the key in lowercase, no space before the ;";
  for (const [key, error] of [
    ["", `the Idempotency-Key is empty: ${SEND}`],
    ['""', `the Idempotency-Key is empty: ${SEND}`],
    ["x".repeat(256), `the Idempotency-Key is 256 characters long, over the limit of 255: ${SEND}`],
    [`"${"x".repeat(256)}"`, `the Idempotency-Key is 256 characters long, over the limit of 255: ${SEND}`],
    ["two words", `the Idempotency-Key holds the byte 0x20 at index 3, not visible ASCII: ${SEND}`],
    ['"two words"', `the Idempotency-Key holds the byte 0x20 at index 3, not visible ASCII: ${SEND}`],
    ["tab\there", `the Idempotency-Key holds the byte 0x09 at index 3, not visible ASCII: ${SEND}`],
    [
      "caf\u00e9", // Sent in UTF-8 (0xC3 0xA9): named by its first byte, not written back.
      `the Idempotency-Key holds the byte 0xC3 at index 3, not visible ASCII: ${SEND}`,
    ],
    [
      '"unterminated',
      `the Idempotency-Key "\\"unterminated" is not a Structured Field string (RFC 9651 §3.3.3): ${SEND}`,
    ],
    // Parameters are taken (and ignored), but only as RFC 9651 §3.1.2 writes them: a key in lowercase,
    // no space before the semicolon, a value that parses; the 400 names them.
    [
      '"key";A=1',
      `the parameters ";A=1" after the Idempotency-Key "key" do not parse (${PARAMETERS}): ${SEND}`,
    ],
    [
      '"key" ;a=1',
      `the parameters " ;a=1" after the Idempotency-Key "key" do not parse (${PARAMETERS}): ${SEND}`,
    ],
    [
      '"key";a="open',
      `the parameters ";a=\\"open" after the Idempotency-Key "key" do not parse (${PARAMETERS}): ${SEND}`,
    ],
    ['"key"x', `the parameters "x" after the Idempotency-Key "key" do not parse (${PARAMETERS}): ${SEND}`],
    // Strings joined into a list (reviews rA, rB, rC: it was answered "the parameters ..."), a later member
    // malformed or missing too.
    ['"k1", "k2', `the Idempotency-Key "\\"k1\\", \\"k2" is a list of keys, and one is allowed: ${SEND}`],
    ['"k1",', `the Idempotency-Key "\\"k1\\"," is a list of keys, and one is allowed: ${SEND}`],
    [
      '"k1";a=1, "k2"',
      `the Idempotency-Key "\\"k1\\";a=1, \\"k2\\"" is a list of keys, and one is allowed: ${SEND}`,
    ],
    ['"k1", "k2"', `the Idempotency-Key "\\"k1\\", \\"k2\\"" is a list of keys, and one is allowed: ${SEND}`],
    // A byte of UTF-8 in a string, or after it, named by its value, not written back as Latin-1 (review rA).
    [
      '"k\u00e9y',
      `the Idempotency-Key "\\"k\\xC3\\xA9y" is not a Structured Field string (RFC 9651 §3.3.3): ${SEND}`,
    ],
    [
      '"key";a=\u00e9',
      `the parameters ";a=\\xC3\\xA9" after the Idempotency-Key "key" do not parse (${PARAMETERS}): ${SEND}`,
    ],
    // A string's value is checked as the key, whatever its parameters.
    ['"two words";a=1', `the Idempotency-Key holds the byte 0x20 at index 3, not visible ASCII: ${SEND}`],
    ['"";a=1', `the Idempotency-Key is empty: ${SEND}`],
    [
      '"a\\b"',
      `the Idempotency-Key "\\"a\\\\b\\"" is not a Structured Field string (RFC 9651 §3.3.3): ${SEND}`,
    ],
    [["one", "two"], `the request has 2 Idempotency-Key fields, and one is allowed: ${SEND}`],
    // Two keys joined in one field (review rN: it was answered "the byte 0x20 at index 3").
    ["k1, k2", `the Idempotency-Key "k1, k2" is a list of keys, and one is allowed: ${SEND}`],
  ] as const) {
    const res = await post(base, DOCUMENT, key as string | string[]);
    assert.deepEqual([res.status, res.body], [400, { error }], JSON.stringify(key));
  }
  assert.equal(storedSqlite(db).jobs.length, 0);
  // The longest key, a string's escapes, a string with parameters: accepted, the key stored unescaped,
  // without its parameters.
  const longest = await post(base, DOCUMENT, "k".repeat(255));
  const escaped = await post(base, DOCUMENT, '"a\\"b\\\\c"');
  const parameterized = await post(base, DOCUMENT, '"p-1";a=1;b;c="x;y"');
  // A bare key is no Structured Field item: taken whole, its semicolon too.
  const bare = await post(base, DOCUMENT, "k1;v=1");
  assert.deepEqual([longest.status, escaped.status, parameterized.status, bare.status], [201, 201, 201, 201]);
  assert.deepEqual(
    storedSqlite(db).jobs.map((job) => job.idempotencyKey),
    ["k".repeat(255), 'a"b\\c', "p-1", "k1;v=1"],
  );
  await stop();
});

/** POSTs at once with the same key and document. */
const AT_ONCE = 10;

/**
 * Sends {@link AT_ONCE} POSTs with the same key and document at once to `base`: every answer is a 201
 * naming the same job, all but one with Idempotent-Replayed: true. Returns the job id.
 */
async function postAtOnce(base: string): Promise<string> {
  const answers = await Promise.all(Array.from({ length: AT_ONCE }, () => post(base, DOCUMENT, KEY)));
  const id = answers[0]!.body.id!;
  assert.deepEqual(
    answers.map((a) => [a.status, a.body]),
    answers.map(() => [201, { id, status: "pending" }]),
  );
  assert.deepEqual(answers.map((a) => a.replayed ?? "first").sort(), [
    "first",
    ...Array<string>(AT_ONCE - 1).fill("true"),
  ]);
  return id;
}

describe("POSTs with the same key at once make one job, and each answer names it", () => {
  test("SQLite file", async (t) => {
    const { base, db, stop } = await startApi(t, "api-idempotency");
    const id = await postAtOnce(base);
    const stored = storedSqlite(db);
    assert.deepEqual(
      [stored.jobs.map((job) => job.id), stored.outbox.map((row) => row.aggregateId)],
      [[id], [id]],
    );
    await stop();
  });

  // The same on the servers, where the loser's insert waits for the winner's transaction, and the key is
  // compared as sent (MySQL's table collation, utf8mb4_unicode_ci, would take KEY and key for one).
  for (const provider of ["postgresql", "mysql"] as const)
    test(provider === "mysql" ? "MariaDB/MySQL" : "PostgreSQL", async (t) => {
      const database = await createDatabase(provider);
      if (typeof database === "string") return t.skip(database);
      t.after(() => database.drop());
      const url = new URL(database.url);
      if (database.schema !== undefined) url.searchParams.set("schema", database.schema);
      const { base, stop } = await startApi(t, "api-idempotency", url.href);
      const id = await postAtOnce(base);
      const upper = await post(base, DOCUMENT, KEY.toUpperCase());
      assert.deepEqual([upper.status, upper.replayed], [201, undefined]);
      const jobs = (await database.client.preprocessJob.findMany({
        select: { id: true, idempotencyKey: true },
        orderBy: { createdAt: "asc" },
      })) as { id: string; idempotencyKey: string }[];
      const outbox = (await database.client.outbox.findMany({ select: { aggregateId: true } })) as {
        aggregateId: string;
      }[];
      assert.deepEqual(jobs, [
        { id, idempotencyKey: KEY },
        { id: upper.body.id, idempotencyKey: KEY.toUpperCase() },
      ]);
      assert.deepEqual(outbox.map((row) => row.aggregateId).sort(), [id, upper.body.id].sort());
      await stop();
    });
});

test("a replay's span says so (preprocess.job.replayed) and writes no carrier: the job and its outbox row keep the first request's trace", async (t) => {
  const { base, db, spans, stop } = await startApi(t, "api-idempotency");
  const first = await post(base, DOCUMENT, KEY);
  const again = await post(base, DOCUMENT, KEY);
  assert.deepEqual([first.status, again.status, again.body.id], [201, 201, first.body.id]);
  await stop();

  const creates = readSpansFile(spans).filter((span) => span.name === "preprocess-job.create");
  assert.deepEqual(
    creates.map((span) => span.attributes),
    [
      { "preprocess.job.id": first.body.id },
      { "preprocess.job.id": first.body.id, "preprocess.job.replayed": true },
    ],
  );
  const [original, replay] = creates;
  assert.notEqual(original!.traceId, replay!.traceId);
  // The carrier each row stores is that of the first request's create span, not the replay's.
  const stored = storedSqlite(db);
  const carrier = stored.carriers.get(first.body.id!)!;
  assert.match(carrier, new RegExp(`00-${original!.traceId}-${original!.spanId}-0[01]`));
  assert.deepEqual(
    stored.outbox.map((row) => row.traceContext),
    [carrier],
  );
});
