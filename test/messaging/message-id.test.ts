/**
 * `messageId` is read from the message (an MQTT user property, a kafkajs header, a column): whatever
 * its shape it never fails the message, and the span gets the id when the value has one unambiguous
 * text. `operationName` is the caller's own configuration: a TypeError. In-memory SDK.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, onlySpan } from "./tracing.js";

const kafka = { system: "kafka", destination: "orders" } as const;
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const headers = { traceparent: TRACEPARENT };

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

/** Handler runs counted by the helpers of {@link callsWith}. */
let runs = 0;
const handler = () => {
  runs++;
  return "handled";
};

/**
 * Each helper that takes a messageId, called with `messageId` (its handler counted in `runs`), its
 * span's name.
 */
function callsWith(messageId: unknown): [string, () => unknown, string][] {
  return [
    [
      "withProcessSpan",
      () => withProcessSpan(headers, { ...kafka, messageId } as never, handler),
      "process orders",
    ],
    ["withSendSpan", () => withSendSpan({ ...kafka, messageId } as never, handler), "send orders"],
  ];
}

/** What the warning of a messageId left out says, up to the value. */
const IGNORED =
  "options.messageId must be a string (messaging.message.id), a Buffer or Uint8Array (decoded as UTF-8, as " +
  "header values are), a safe integer or a bigint (its decimal text), or null or undefined for none (a " +
  "header or MQTT user property repeated arrives as an array: pass the one value you mean), got ";

describe("messageId read from the message never fails it", () => {
  test("null and undefined: no id, fn runs once, nothing said", async () => {
    const told = await recordWarnings(() => {
      for (const value of [null, undefined])
        for (const [entry, call, name] of callsWith(value)) {
          runs = 0;
          const result = call();
          assert.equal(result, "handled", entry);
          assert.equal(runs, 1);
          const span = onlySpan(name);
          assert.equal("messaging.message.id" in span.attributes, false, `${entry} ${String(value)}`);
          exporter.reset();
        }
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test('an empty id ("", empty bytes: a header or column without a value) is no id: none recorded, nothing said, a whole message keeps its own', async () => {
    const amqplibMessage = {
      content: Buffer.from("x"),
      fields: { exchange: "", routingKey: "jobs", deliveryTag: 1, redelivered: false, consumerTag: "c" },
      properties: { messageId: "m-7", headers },
    };
    const told = await recordWarnings(() => {
      for (const value of ["", Buffer.alloc(0), new Uint8Array(0)])
        for (const [entry, call, name] of callsWith(value)) {
          runs = 0;
          assert.equal(call(), "handled", entry);
          assert.equal(runs, 1);
          const span = onlySpan(name);
          assert.equal("messaging.message.id" in span.attributes, false, `${entry} ${String(value)}`);
          exporter.reset();
        }
      withProcessSpan(amqplibMessage, { system: "rabbitmq", destination: "jobs", messageId: "" }, handler);
      assert.equal(onlySpan("process jobs").attributes["messaging.message.id"], "m-7");
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("a Buffer or Uint8Array is decoded as the header getters decode a header value; a number or bigint gives its decimal text", async () => {
    const told = await recordWarnings(() => {
      for (const [value, id] of [
        [Buffer.from("m-1"), "m-1"],
        [new TextEncoder().encode("é-2"), "é-2"],
        // A BOM is kept as data, as kafkaHeadersGetter keeps it.
        [Buffer.from("\uFEFFm-3"), "\uFEFFm-3"],
        [42, "42"],
        [0, "0"],
        [Number.MAX_SAFE_INTEGER, "9007199254740991"],
        [2n ** 64n, "18446744073709551616"],
        ["as given", "as given"],
      ] as const)
        for (const [entry, call, name] of callsWith(value)) {
          assert.equal(call(), "handled", entry);
          assert.equal(onlySpan(name).attributes["messaging.message.id"], id, `${entry} ${String(value)}`);
          exporter.reset();
        }
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("an array, an object, a boolean, NaN, 2.5, an unsafe integer, bytes over the header limit: left out, said once per helper, fn runs once", async () => {
    const bad: [unknown, string][] = [
      [["a", "b"], "an array"],
      [{ id: "x" }, "an Object"],
      [true, "true"],
      [NaN, "NaN"],
      [2.5, "2.5"],
      [2 ** 60, "1152921504606846976"],
      [Buffer.alloc(100_000, 65), "a Buffer"],
      [new Map(), "a Map"],
      [
        new Proxy(
          {},
          {
            getPrototypeOf() {
              throw new Error("hostile");
            },
          },
        ),
        "a hostile proxy",
      ],
    ];
    const told = await recordWarnings(() => {
      for (const [value, shown] of bad)
        for (const [entry, call, name] of callsWith(value)) {
          runs = 0;
          const result = call();
          assert.equal(result, "handled", `${entry} ${shown}`);
          assert.equal(runs, 1);
          const span = onlySpan(name);
          assert.equal("messaging.message.id" in span.attributes, false, `${entry} ${shown}`);
          assert.equal(span.parentSpanContext === undefined, entry === "withSendSpan");
          exporter.reset();
        }
    });
    // Once per process and helper: the first bad value each helper saw.
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_MESSAGE_OPTION_IGNORED",
        `tracehop withProcessSpan: ${IGNORED}an array: left out (no messaging.message.id on the span), the ` +
          "message handled as usual. Said once per process for this helper and option; later messages with such a value are treated the same.",
      ],
      [
        "TRACEHOP_MESSAGE_OPTION_IGNORED",
        `tracehop withSendSpan: ${IGNORED}an array: left out (no messaging.message.id on the span), the ` +
          "message handled as usual. Said once per process for this helper and option; later messages with such a value are treated the same.",
      ],
    ]);
  });

  test("the trial's shapes: an MQTT user property repeated, a kafkajs Buffer header, a nullable column", async () => {
    const packet = {
      cmd: "publish",
      topic: "orders",
      payload: Buffer.from("x"),
      properties: { userProperties: { "message-id": ["a", "b"], traceparent: TRACEPARENT } },
    };
    const kafkaMessage = {
      offset: "1",
      timestamp: "1",
      attributes: 0,
      key: null,
      value: Buffer.from("x"),
      headers: { "message-id": Buffer.from("m1"), traceparent: Buffer.from(TRACEPARENT) },
    };
    const told = await recordWarnings(() => {
      const mqtt = withProcessSpan(
        packet,
        {
          system: "mqtt",
          destination: "orders",
          messageId: packet.properties.userProperties["message-id"] as never,
        },
        () => "mqtt",
      );
      assert.equal(mqtt, "mqtt");
      const fromMqtt = onlySpan("process orders");
      assert.equal(fromMqtt.attributes["messaging.message.id"], undefined);
      assert.equal(
        fromMqtt.parentSpanContext?.spanId,
        "00f067aa0ba902b7",
        "the message's context is restored",
      );
      exporter.reset();
      const id = kafkaMessage.headers["message-id"];
      assert.equal(
        withProcessSpan(kafkaMessage, { ...kafka, messageId: id as never }, () => "kafka"),
        "kafka",
      );
      assert.equal(onlySpan("process orders").attributes["messaging.message.id"], "m1");
      exporter.reset();
      const row = { id: 7, messageId: null };
      assert.equal(
        withProcessSpan({}, { system: "sqs", destination: "orders", messageId: row.messageId }, () => "sqs"),
        "sqs",
      );
      assert.equal("messaging.message.id" in onlySpan("process orders").attributes, false);
    });
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(message.indexOf(", got "))]),
      [
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          ", got an array: left out (no messaging.message.id on the span), the message handled as usual. Said once per process for this helper and option; later messages with such a value are treated the same.",
        ],
      ],
    );
  });

  test("withBatchProcessSpan takes no messageId (a batch span has no one message's id): the name is refused, whatever its value", () => {
    for (const value of ["m", Buffer.from("m"), null, ["a"]])
      assert.throws(
        () => withBatchProcessSpan([], { ...kafka, messageId: value } as never, () => 0),
        /^TypeError: tracehop withBatchProcessSpan: .*messageId/,
      );
  });
});

describe("operationName is the caller's configuration: a TypeError before fn runs", () => {
  test("a number, an empty string, an object, null: TypeError naming the option, for every helper", () => {
    let ran = 0;
    const fn = () => ran++;
    for (const [value, shown] of [
      [5, "5"],
      ["", '""'],
      [{}, "an object"],
      [null, "null"],
    ] as const) {
      const calls: [string, () => unknown][] = [
        ["withProcessSpan", () => withProcessSpan(headers, { ...kafka, operationName: value } as never, fn)],
        ["withSendSpan", () => withSendSpan({ ...kafka, operationName: value } as never, fn)],
        [
          "withBatchProcessSpan",
          () => withBatchProcessSpan([], { ...kafka, operationName: value } as never, fn),
        ],
      ];
      for (const [entry, call] of calls)
        assert.throws(
          call,
          (err: unknown) =>
            err instanceof TypeError &&
            err.message ===
              `tracehop ${entry}: options.operationName must be a non-empty string (messaging.operation.name, e.g. "process" or "publish"; leave it out for the default), got ${shown}`,
          `${entry} ${shown}`,
        );
    }
    assert.equal(ran, 0);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});

describe("operationName names the helper's own operation type (the conventions' receive span is a CLIENT span around the pull, not a process span)", () => {
  test("receive on withProcessSpan or withBatchProcessSpan (docs/messaging.md advised it for channel.get: the span stayed CONSUMER, type process) is a TypeError saying what to pass, before fn runs", () => {
    let ran = 0;
    const fn = () => ran++;
    for (const name of ["receive", "Receive", "receive ", " receive  "]) {
      assert.throws(
        () => withProcessSpan(headers, { ...kafka, operationName: name }, fn),
        (err: unknown) =>
          err instanceof TypeError &&
          err.message ===
            `tracehop withProcessSpan: options.operationName ${JSON.stringify(name)} names a receive operation (messaging.operation.type "receive": a CLIENT span around the pull itself, channel.get), while withProcessSpan's span processes the message (kind CONSUMER), messaging.operation.type "process"; leave operationName out (the default: "process") or give your system's own name of that operation (a message pulled with channel.get is processed in a process span, as one pushed to a consume callback)`,
      );
      assert.throws(
        () => withBatchProcessSpan([], { ...kafka, operationName: name }, fn),
        /^TypeError: tracehop withBatchProcessSpan: options\.operationName "\s*[Rr]eceive(\s|\\n)*" names a receive operation .* while withBatchProcessSpan's span processes the batch \(kind CONSUMER\)/,
      );
    }
    assert.equal(ran, 0);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  test("a name Object.prototype holds (constructor, __proto__) is a system's own name, not an operation type: taken", () => {
    for (const operationName of ["constructor", "__proto__", "hasOwnProperty"])
      assert.equal(
        withProcessSpan(headers, { ...kafka, operationName }, () => "ran"),
        "ran",
        operationName,
      );
  });

  test("another operation type's name on each helper is a TypeError; the helper's own type, its deprecated word and a system's own name are taken", () => {
    // Each a type error too (OperationNameOfType), as the types fixture checks: plain JS gets the TypeError.
    const refused: [string, () => unknown][] = [
      ["send", () => withProcessSpan(headers, { ...kafka, operationName: "send" } as never, () => 0)],
      ["publish", () => withBatchProcessSpan([], { ...kafka, operationName: "publish" } as never, () => 0)],
      ["settle", () => withProcessSpan(headers, { ...kafka, operationName: "settle" } as never, () => 0)],
      ["process", () => withSendSpan({ ...kafka, operationName: "process" } as never, () => 0)],
      ["receive", () => withSendSpan({ ...kafka, operationName: "receive" } as never, () => 0)],
      ["create", () => withSendSpan({ ...kafka, operationName: "create" } as never, () => 0)],
      ["deliver", () => withSendSpan({ ...kafka, operationName: "deliver" } as never, () => 0)],
    ];
    for (const [name, call] of refused)
      assert.throws(
        call,
        new RegExp(`^TypeError: tracehop with\\w+: options\\.operationName "${name}" names a`),
        name,
      );
    withProcessSpan(headers, { ...kafka, operationName: "process" }, () => 0);
    withProcessSpan(headers, { ...kafka, operationName: "deliver" }, () => 0);
    withProcessSpan(headers, { ...kafka, operationName: "consume" }, () => 0);
    withBatchProcessSpan([], { ...kafka, operationName: "process_batch" }, () => 0);
    withSendSpan({ ...kafka, operationName: "publish" }, () => 0);
    withSendSpan({ ...kafka, operationName: "basic.publish" }, () => 0);
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.attributes["messaging.operation.type"]]),
      [
        ["process orders", "process"],
        ["deliver orders", "process"],
        ["consume orders", "process"],
        ["process_batch orders", "process"],
        ["publish orders", "send"],
        ["basic.publish orders", "send"],
      ],
    );
  });
});

describe("conversationId and routingKey: what a process span reads from a whole message, given to a send span", () => {
  const rabbitmq = { system: "rabbitmq", destination: "logs:warn" } as const;

  test('set as messaging.message.conversation_id and rabbitmq.destination.routing_key, taken as messageId is (bytes decoded, a number as its text, none for null or ""); options.attributes win', () => {
    withSendSpan({ ...rabbitmq, routingKey: "warn", conversationId: "conv-1" }, () => undefined);
    withSendSpan({ ...rabbitmq, routingKey: Buffer.from("warn"), conversationId: 42 }, () => undefined);
    withSendSpan({ ...rabbitmq, routingKey: "", conversationId: null }, () => undefined);
    withSendSpan(
      { ...rabbitmq, routingKey: "warn", attributes: { "rabbitmq.destination.routing_key": "mine" } },
      () => undefined,
    );
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [
        s.attributes["rabbitmq.destination.routing_key"],
        s.attributes["messaging.message.conversation_id"],
      ]),
      [
        ["warn", "conv-1"],
        ["warn", "42"],
        [undefined, undefined],
        ["mine", undefined],
      ],
    );
    assert.equal("rabbitmq.destination.routing_key" in spans[2]!.attributes, false, "not empty: not set");
  });

  test("a relay's send (creationContext, either forward) gets them too", () => {
    withSendSpan(
      { ...rabbitmq, creationContext: headers, routingKey: "warn", conversationId: "c" },
      () => undefined,
    );
    withSendSpan(
      { ...rabbitmq, creationContext: headers, forward: "creation-context", routingKey: "warn" },
      () => undefined,
    );
    for (const span of exporter.getFinishedSpans())
      assert.equal(span.attributes["rabbitmq.destination.routing_key"], "warn", span.name);
    assert.equal(exporter.getFinishedSpans()[0]?.attributes["messaging.message.conversation_id"], "c");
  });

  test("withProcessSpan's conversationId wins over a whole message's correlationId", () => {
    const msg = {
      content: Buffer.from("x"),
      fields: { exchange: "logs", routingKey: "warn", deliveryTag: 1, redelivered: false },
      properties: { headers: {}, correlationId: "from-message" },
    };
    withProcessSpan(msg, { ...rabbitmq, destination: "logs:warn:q" }, () => undefined);
    withProcessSpan(
      msg,
      { ...rabbitmq, destination: "logs:warn:q", conversationId: "mine" },
      () => undefined,
    );
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.attributes["messaging.message.conversation_id"]),
      ["from-message", "mine"],
    );
  });

  test("a value that is no text is left out, said once per helper and option, and fn runs", async () => {
    let ran = 0;
    const told = await recordWarnings(() => {
      withSendSpan({ ...rabbitmq, routingKey: ["a", "b"], conversationId: { id: 1 } } as never, () => ran++);
      withProcessSpan(headers, { ...rabbitmq, conversationId: true } as never, () => ran++);
    });
    assert.equal(ran, 2);
    for (const span of exporter.getFinishedSpans()) {
      assert.equal("rabbitmq.destination.routing_key" in span.attributes, false);
      assert.equal("messaging.message.conversation_id" in span.attributes, false);
    }
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.split(", got ")[0]]),
      [
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          "tracehop withSendSpan: options.conversationId must be a string (messaging.message.conversation_id), a Buffer or Uint8Array (decoded as UTF-8, as header values are), a safe integer or a bigint (its decimal text), or null or undefined for none (a header or MQTT user property repeated arrives as an array: pass the one value you mean)",
        ],
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          "tracehop withSendSpan: options.routingKey must be a string (rabbitmq.destination.routing_key), a Buffer or Uint8Array (decoded as UTF-8, as header values are), a safe integer or a bigint (its decimal text), or null or undefined for none (a header or MQTT user property repeated arrives as an array: pass the one value you mean)",
        ],
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          "tracehop withProcessSpan: options.conversationId must be a string (messaging.message.conversation_id), a Buffer or Uint8Array (decoded as UTF-8, as header values are), a safe integer or a bigint (its decimal text), or null or undefined for none (a header or MQTT user property repeated arrives as an array: pass the one value you mean)",
        ],
      ],
    );
  });

  test("routingKey under another system is a TypeError before fn runs; withProcessSpan and withBatchProcessSpan take no routingKey, a batch no conversationId", () => {
    let ran = 0;
    assert.throws(
      () => withSendSpan({ ...kafka, routingKey: "k" } as never, () => ran++),
      /^TypeError: tracehop withSendSpan: options\.routingKey is RabbitMQ's \(rabbitmq\.destination\.routing_key\) and takes system "rabbitmq", got system "kafka"; give another system's routing attribute in options\.attributes$/,
    );
    // "" (or empty bytes: a type error, being bytes) sets nothing under any system, as null and undefined
    // do (a configured `cfg.routingKey ?? ""`).
    for (const routingKey of ["", new Uint8Array(0), null, undefined] as const)
      assert.equal(
        withSendSpan({ ...kafka, routingKey } as never, () => "sent"),
        "sent",
        String(routingKey),
      );
    assert.throws(
      () => withProcessSpan(headers, { ...rabbitmq, routingKey: "k" } as never, () => ran++),
      /^TypeError: tracehop withProcessSpan: there is no option "routingKey"/,
    );
    assert.throws(
      () => withBatchProcessSpan([], { ...rabbitmq, conversationId: "c" } as never, () => ran++),
      /^TypeError: tracehop withBatchProcessSpan: there is no option "conversationId"/,
    );
    assert.equal(ran, 0);
  });
});
