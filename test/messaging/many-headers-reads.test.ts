/**
 * A message with 10 000 headers (a careless producer's, or a hostile one's: an AMQP table of 10 000
 * integers is 100 KB, within RabbitMQ's default frame) costs the consumer's tracing a bounded number of
 * header reads, not one per header: the reader scans the first `MAX_CARRIER_KEYS` names and looks the
 * propagation headers up by name wherever they sit (docs/messaging.md, "Reading headers"). Counted as
 * the reads (`get` traps) of a proxy around the headers, no clock. Found measuring withBatchProcessSpan
 * over 1 000 such messages: 9 s with string values, 36 s with AMQP integers, where the same batch of
 * messages with 20 headers takes milliseconds — every value of every message was read (and each number
 * converted) before the reader, which reads ~140 of them, ran.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { MAX_CARRIER_KEYS } from "../../src/carrier/trace-carrier.js";
import { PROPAGATION_HEADER_NAMES } from "../../src/propagation/header-names.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  withBatchProcessSpan,
  withProcessSpan,
} from "../../src/messaging/index.js";
import { exporter } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TP = `00-${TRACE_ID}-${SPAN_ID}-01`;
const COUNT = 10_000;
/**
 * Reads one reading may make: the scanned names, each propagation header looked up by name, each read
 * by a few passes (the shape of a whole message, the reader, the warnings' look at a carrier in another
 * field), with room to spare; one read per header would be more than 10 000.
 */
const BOUND = 4 * (MAX_CARRIER_KEYS + PROPAGATION_HEADER_NAMES.length);

/**
 * `COUNT` application headers whose values `value` gives (as the client delivers them), the
 * traceparent appended after them (what an inject does), behind a proxy that counts the reads of
 * header values.
 */
function countedHeaders(value: (i: number) => unknown): {
  headers: Record<string, unknown>;
  reads: () => number;
} {
  const target: Record<string, unknown> = {};
  for (let i = 0; i < COUNT; i++) target[`x-app-${i}`] = value(i);
  target.traceparent = TP;
  let reads = 0;
  const headers = new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === "string" && Object.hasOwn(object, key)) reads++;
      return Reflect.get(object, key, receiver) as unknown;
    },
  });
  return { headers, reads: () => reads };
}

/** What amqplib and kafkajs deliver as application header values. */
const VALUES: [string, (i: number) => unknown][] = [
  ["strings (any client)", (i) => `v${i}`],
  ["Buffers (kafkajs)", (i) => Buffer.from(`v${i}`)],
  ["integers after the first names (amqplib, AMQP long)", (i) => (i < MAX_CARRIER_KEYS ? `v${i}` : i)],
];

describe(`a message of ${COUNT} headers is read in a bounded number of header reads`, () => {
  for (const [label, value] of VALUES) {
    test(`${label}: contextFromKafkaHeaders, contextFromAmqpHeaders, withProcessSpan, withBatchProcessSpan`, () => {
      const readings: [string, (headers: Record<string, unknown>) => string | undefined][] = [
        ["contextFromKafkaHeaders", (h) => trace.getSpanContext(contextFromKafkaHeaders(h))?.traceId],
        ["contextFromAmqpHeaders", (h) => trace.getSpanContext(contextFromAmqpHeaders(h))?.traceId],
        [
          "withProcessSpan",
          (h) => {
            exporter.reset();
            withProcessSpan(h, { system: "rabbitmq", destination: "h5-many" }, () => {});
            return exporter.getFinishedSpans()[0]?.parentSpanContext?.traceId;
          },
        ],
        [
          "withBatchProcessSpan",
          (h) => {
            exporter.reset();
            withBatchProcessSpan([{ headers: h }], { system: "kafka", destination: "h5-many" }, () => {});
            return exporter.getFinishedSpans()[0]?.links[0]?.context.traceId;
          },
        ],
      ];
      for (const [helper, read] of readings) {
        const { headers, reads } = countedHeaders(value);
        assert.equal(read(headers), TRACE_ID, `${helper}: the traceparent after ${COUNT} headers is read`);
        assert.ok(reads() <= BOUND, `${helper}: ${reads()} header reads, more than ${BOUND}`);
      }
    });
  }
});
