import assert from "node:assert/strict";
import { test } from "node:test";
import { LostQueueError, QueueLostError, QueueRefusedError } from "../../examples/preprocess/queue.js";

// The two ways a queue is lost (examples/preprocess/queue.ts): a loss to start again after (exit 1) and a
// refusal to fix (exit 2), one shape written once in their base class.
test("QueueLostError and QueueRefusedError share the base LostQueueError, keep their names, and are told apart by instanceof", () => {
  const lost = new QueueLostError("amqp queue: the RabbitMQ connection was closed", ["job 1 (message 1)"]);
  const refused = new QueueRefusedError("amqp queue: RabbitMQ refused the queue q (406 …): delete it");
  for (const error of [lost, refused]) {
    assert.ok(error instanceof LostQueueError);
    assert.ok(error instanceof Error);
  }
  assert.ok(!(lost instanceof QueueRefusedError));
  assert.ok(!(refused instanceof QueueLostError));
  assert.equal(lost.name, "QueueLostError");
  assert.equal(refused.name, "QueueRefusedError");
  assert.deepEqual(lost.inHand, ["job 1 (message 1)"]);
  assert.deepEqual(refused.inHand, []);
  assert.equal(refused.message, "amqp queue: RabbitMQ refused the queue q (406 …): delete it");
  assert.match(String(lost), /^QueueLostError: amqp queue: the RabbitMQ connection was closed$/);
});
