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
  const until = new Date("2026-12-04T05:00:00.000Z");
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
    [["aside", `its message was set aside by the relay until 2026-12-04T05:00:00.000Z: ${refusal}`]],
  );
  assert.deepEqual([...(await setAsideReasons(db, []))], []);
});
