// Values a caller wrote into messaging options or arguments (a system name, an operation name, a queue) and a
// resource attribute key, echoed in a TypeError or warning: quoted by the one rule (quoteWritten,
// docs/warnings.md), so that a look-alike letter, a control character or a bidi override is seen escaped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rabbitmqDestinationName, withProcessSpan } from "../../src/messaging/index.js";
import { resolveTracingConfig } from "../../src/tracing/tracing-config.js";

const fn = () => undefined;

/** The message of the TypeError `call` throws, checked to be printable ASCII. */
function typeErrorOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, /^[\x20-\x7e]*$/, error.message);
    return error.message;
  }
  assert.fail("no TypeError");
}

test("options.system in another case, written with the Kelvin sign (U+212A), which lower-cases to k: the got shows it", () => {
  assert.equal(
    typeErrorOf(() => withProcessSpan({}, { system: "\u212Aafka" } as never, fn)),
    'tracehop withProcessSpan: options.system must be written "kafka" (messaging.system.name values are lower ' +
      "case, the semantic conventions' and tracehop's nats and mqtt; Datadog and the conventions' tooling match " +
      'them exactly), got "\\u212aafka"',
  );
});

test("options passed first whose system holds a bidi override: the hint quotes it escaped", () => {
  assert.equal(
    typeErrorOf(() => withProcessSpan({ system: "rabbit\u202emq" } as never, "x" as never, fn)),
    "tracehop withProcessSpan: the options come second: withProcessSpan(headers, options, fn), and the options " +
      '({ system: "rabbit\\u202emq", ... }) were given first, "x" second',
  );
});

test("options.operationName of a receive operation with a no-break space after it: quoted escaped", () => {
  assert.match(
    typeErrorOf(() =>
      withProcessSpan({}, { system: "kafka", destination: "q", operationName: "receive\u00a0" }, fn),
    ),
    /^tracehop withProcessSpan: options\.operationName "receive\\u00a0" names a receive operation /,
  );
});

test("rabbitmqDestinationName with a queue alone holding a newline and a bidi override: the fix quotes it escaped", () => {
  assert.match(
    typeErrorOf(() => rabbitmqDestinationName("jobs\n\u202e" as never)),
    /the routing key is missing: pass the exchange and the routing key \("", "jobs\\n\\u202e"\) for sendToQueue\("jobs\\n\\u202e"\)/,
  );
});

test("options.resourceAttributes with a key holding a newline and a bidi override: quoted escaped", () => {
  assert.equal(
    typeErrorOf(() =>
      resolveTracingConfig({ serviceName: "s", resourceAttributes: { "team\n\u202e": {} as never } }),
    ),
    'tracehop startTracing: options.resourceAttributes["team\\n\\u202e"] must be a string, number, boolean or ' +
      "an array of them, got an object",
  );
});
