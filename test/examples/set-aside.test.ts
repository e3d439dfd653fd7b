// The jobs behind outbox rows the relay set aside (the broker refused their message for its size): what
// `npm start` says of a job still pending for that reason (examples/preprocess/set-aside.ts), read from a real
// SQLite file of the main job. The set-aside itself, against the real broker: relay-message-refused.test.ts.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { SET_ASIDE_CLAIM, setAsideReasons } from "../../examples/preprocess/set-aside.js";
import { requestedEvent } from "../support/by-hand.js";
import { openExampleSqliteFile } from "./sqlite-file.js";

const file = openExampleSqliteFile("set-aside");
after(() => file.close());

test("setAsideReasons: each asked-for job whose unpublished row is set aside, with the row's time and the broker's reason; none for the others", async () => {
  const { db } = file;
  // Held for the hour to come (the relay's clock: a set-aside holds until then).
  const until = new Date(Math.ceil(Date.now() / 3_600_000 + 1) * 3_600_000);
  const refusal =
    "406 PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096: raise the broker's max_message_size (rabbitmq.conf) to 5000 bytes or more, or make the message smaller";
  const row = (jobId: string, data: object) =>
    db.outbox.create({ data: { ...requestedEvent(jobId), ...data } });
  await row("aside", { claimedBy: `${SET_ASIDE_CLAIM}${refusal}`, claimedUntil: until });
  await row("aside-not-asked", { claimedBy: `${SET_ASIDE_CLAIM}${refusal}`, claimedUntil: until });
  await row("claimed", { claimedBy: "relay-1:abc", claimedUntil: until });
  await row("waiting", {});
  // Published since (a relay after the broker's limit was raised): not set aside any more.
  await row("published", {
    claimedBy: `${SET_ASIDE_CLAIM}${refusal}`,
    claimedUntil: until,
    publishedAt: new Date(),
  });
  await db.outbox.create({
    data: {
      ...requestedEvent("x"),
      payload: { note: "no job id" },
      claimedBy: `${SET_ASIDE_CLAIM}${refusal}`,
    },
  });

  const reasons = await setAsideReasons(db, ["aside", "claimed", "waiting", "published", "unknown"]);
  assert.deepEqual(
    [...reasons],
    [["aside", `its message was set aside by the relay until ${until.toISOString()}: ${refusal}`]],
  );
  assert.deepEqual([...(await setAsideReasons(db, []))], []);
});

// Outbox.claimedBy is left as it is when a row's claim runs out: a set-aside whose hour is over is no longer
// held (the next relay pass takes the row and sends it), and a relay from before claimedBy claims a row by
// claimedUntil alone, leaving the set-aside text on a row it publishes as usual. Neither is set aside now.
test("setAsideReasons: a row whose set-aside has run out (claimedUntil past, or none) is not set aside: no reason, though its claimedBy still says unpublishable", async () => {
  const { db } = file;
  const refusal =
    "406 PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096: raise the broker's max_message_size (rabbitmq.conf) to 5000 bytes or more, or make the message smaller";
  const row = (jobId: string, data: object) =>
    db.outbox.create({ data: { ...requestedEvent(jobId), ...data } });
  await row("ran-out", {
    claimedBy: `${SET_ASIDE_CLAIM}${refusal}`,
    claimedUntil: new Date(Date.now() - 60_000),
  });
  await row("released", { claimedBy: `${SET_ASIDE_CLAIM}${refusal}`, claimedUntil: null });
  assert.deepEqual([...(await setAsideReasons(db, ["ran-out", "released"]))], []);
});
