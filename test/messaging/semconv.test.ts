/**
 * The messaging attribute names tracehop writes and exports, against the installed
 * @opentelemetry/semantic-conventions (incubating entry): same values, and none of the current ones
 * deprecated there (src/messaging/semconv.ts).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { ATTR_ERROR_TYPE as STABLE_ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER } from "../../src/context/attributes.js";
import * as semconv from "../../src/messaging/semconv.js";
import { messagingAttributes } from "../../src/messaging/span-description.js";

/** Names the installed package marks `@deprecated`, read from its type declarations. */
function deprecatedNames(): Set<string> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("@opentelemetry/semantic-conventions/incubating"));
  const text = readFileSync(join(dist, "experimental_attributes.d.cts"), "utf8");
  const names = new Set<string>();
  for (const block of text.split("/**").slice(1)) {
    const declared = /\*\/\s*declare const (\w+):/.exec(block);
    if (declared && block.includes("@deprecated")) names.add(declared[1]!);
  }
  return names;
}

/** Exported on purpose while deprecated: a project choice (messaging.system) or a kept alias. */
const KEPT_DEPRECATED = new Set([
  "ATTR_MESSAGING_SYSTEM",
  "ATTR_MESSAGING_OPERATION",
  "ATTR_MESSAGING_KAFKA_OFFSET",
  "ATTR_MESSAGING_KAFKA_MESSAGE_KEY",
  "ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY",
  "ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG",
]);

test("every ATTR_ name has the installed conventions' value; only the kept aliases are deprecated there", () => {
  const deprecated = deprecatedNames();
  assert.ok(deprecated.has("ATTR_MESSAGING_KAFKA_OFFSET"), "the declarations were read");
  const names = Object.keys(semconv).filter((name) => name.startsWith("ATTR_"));
  assert.ok(names.length >= 15);
  for (const name of names) {
    assert.equal(
      (semconv as Record<string, unknown>)[name],
      (incubating as Record<string, unknown>)[name],
      `${name} has the value of the installed package`,
    );
    assert.equal(deprecated.has(name), KEPT_DEPRECATED.has(name), `${name} deprecated?`);
  }
  assert.equal(semconv.ATTR_KAFKA_OFFSET, "kafka.offset");
  assert.equal(semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT, "messaging.batch.message_count");
});

test("error.type, written on a failed span, is the stable name of the installed package", () => {
  assert.equal(ATTR_ERROR_TYPE, STABLE_ATTR_ERROR_TYPE);
  assert.equal(ERROR_TYPE_VALUE_OTHER, (incubating as Record<string, unknown>).ERROR_TYPE_VALUE_OTHER);
});

test("messaging.operation (kept for Datadog) is the name messaging.operation.type replaced; its values are the package's", () => {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("@opentelemetry/semantic-conventions/incubating"));
  const text = readFileSync(join(dist, "experimental_attributes.d.cts"), "utf8");
  const block = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*declare const ATTR_MESSAGING_OPERATION:/.exec(text);
  assert.ok(block, "the declaration was read");
  assert.match(block[1]!, /@deprecated Replaced by `messaging\.operation\.type`/);
  assert.equal(semconv.ATTR_MESSAGING_OPERATION, incubating.ATTR_MESSAGING_OPERATION);
  const values = incubating as Record<string, unknown>;
  // A span's messaging.operation: send -> publish (the value before 1.26, deprecated there for `send`);
  // process and receive as they are.
  const operationOf = (type: string) =>
    messagingAttributes({ system: "kafka", destination: "jobs" }, type, "op")[
      semconv.ATTR_MESSAGING_OPERATION
    ];
  assert.equal(
    operationOf(values.MESSAGING_OPERATION_TYPE_VALUE_SEND as string),
    values.MESSAGING_OPERATION_TYPE_VALUE_PUBLISH,
  );
  assert.equal(operationOf("send"), "publish");
  for (const type of [
    values.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    values.MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
  ])
    assert.equal(operationOf(type as string), type);
});
