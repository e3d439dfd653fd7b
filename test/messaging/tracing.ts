/**
 * A real OpenTelemetry SDK for the messaging tests: AsyncLocalStorage context, spans kept in memory,
 * tracehop's default propagator (tracecontext, baggage, datadog) registered globally so that an
 * OpenTelemetry instrumentation injects and extracts with it too.
 */
import { createRequire } from "node:module";
import { propagation, trace, type SpanContext } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createPropagator } from "../../src/index.js";
import { exporter, inSpanOf } from "../support/sdk.js";

import { datadogSpanId, datadogTraceId } from "../support/datadog-ids.js";
export { datadogSpanId, datadogTraceId };
export { exporter, provider } from "../support/sdk.js";

propagation.setGlobalPropagator(createPropagator(["tracecontext", "baggage", "datadog"]));

export const tracer = trace.getTracer("tracehop-messaging-test");

/** Runs `fn` inside a new active span (ended afterwards) and returns its result. */
export const inSpan = inSpanOf("tracehop-messaging-test");

/** Finished spans named `name`. */
export const spansNamed = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.name === name);

/** The one finished span named `name`; fails when there are none or several. */
export function onlySpan(name: string): ReadableSpan {
  const found = spansNamed(name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span "${name}", found ${found.length}: ${exporter.getFinishedSpans().map((s) => s.name)}`,
    );
  }
  return found[0]!;
}

/** `00-<trace>-<span>-<flags>` of a span context. */
export const traceparentOf = (sc: SpanContext) =>
  `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, "0")}`;

const require = createRequire(import.meta.url);

/** A kafkajs record header as the wire holds it; kafkajs's own types. */
type EncodableHeaders = Record<string, string | Buffer | (string | Buffer)[]>;

/**
 * Encodes one record with kafkajs's own protocol encoder (record v0, what a producer sends inside a
 * RecordBatch) and decodes it with kafkajs's own decoder, as a consumer receives it from a broker:
 * header values come back as Buffers, a repeated header as an array (kafkajs
 * `src/protocol/recordBatch/record/v0`). No broker is involved.
 */
export async function kafkaRoundTrip(message: {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: EncodableHeaders;
}): Promise<{
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  offset: string;
}> {
  const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js");
  const RecordDecoder = require("kafkajs/src/protocol/recordBatch/record/v0/decoder.js");
  const Decoder = require("kafkajs/src/protocol/decoder.js");
  const toBuffer = (v: string | Buffer | null | undefined) =>
    v == null ? v : Buffer.isBuffer(v) ? v : Buffer.from(v);
  const encoded = Record({
    key: toBuffer(message.key ?? null),
    value: toBuffer(message.value),
    headers: message.headers ?? {},
  });
  // As kafkajs's RecordBatch decoder does: read the length-prefixed record, then decode it.
  const recordBytes = new Decoder(encoded.buffer).readVarIntBytes();
  return RecordDecoder(new Decoder(recordBytes), { firstOffset: "42", firstTimestamp: "0", magicByte: 2 });
}

/** A message of a v0/v1 message set as kafkajs's decoder delivers it (kafkajs `MessageSetEntry`): no headers. */
export interface KafkaMessageSetEntry {
  offset: string;
  size: number;
  crc: number;
  magicByte: number;
  attributes: number;
  timestamp?: string;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Encodes `entries` with kafkajs's own message encoder of `magicByte` (message format v0, Kafka before
 * 0.10, or v1, 0.10: no headers, which came with the v2 record batch of 0.11) into a message set whose
 * offsets start at `firstOffset` (as a broker assigns them), and decodes its bytes with the decoder of
 * kafkajs's Fetch v4+ responses (`decodeMessages`), which reads a partition's records as a v0/v1
 * message set when the log holds that format (a topic written by an old client or broker, or with an
 * old `message.format.version`), as a consumer receives them. No broker is involved.
 */
export async function kafkaMessageSetRoundTrip(
  magicByte: 0 | 1,
  entries: { key: string | null; value: string | null; timestamp?: number }[],
  firstOffset = 42,
): Promise<KafkaMessageSetEntry[]> {
  const Encoder = require("kafkajs/src/protocol/encoder.js");
  const Decoder = require("kafkajs/src/protocol/decoder.js");
  const MessageProtocol = require("kafkajs/src/protocol/message/index.js");
  const decodeMessages = require("kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js");
  const Message = MessageProtocol({ version: magicByte });
  const messageSet = new Encoder();
  entries.forEach((entry, i) => {
    const message = Message({
      key: entry.key === null ? null : Buffer.from(entry.key),
      value: entry.value === null ? null : Buffer.from(entry.value),
      timestamp: entry.timestamp,
    });
    // MessageSet => [Offset MessageSize Message] (kafkajs src/protocol/messageSet)
    messageSet
      .writeInt64(firstOffset + i)
      .writeInt32(message.size())
      .writeEncoder(message);
  });
  // The partition's record set: its size, then its bytes.
  const recordSet = new Encoder().writeInt32(messageSet.size()).writeEncoder(messageSet);
  return decodeMessages(new Decoder(recordSet.buffer));
}

/** The trace and span of {@link STORED_BEYOND_2_53}. */
export const STORED_TRACE_ID = "640cfd8d00000000ab54a98ceb1f0ad2";
export const STORED_SPAN_ID = "891087b8e3b70cb1";
/**
 * An outbox row's carrier whose Datadog ids are beyond 2^53 (decimal text a JavaScript number would
 * round), with the 128-bit trace id's upper half in `_dd.p.tid`.
 */
export const STORED_BEYOND_2_53 = {
  traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01`,
  "x-datadog-trace-id": datadogTraceId(STORED_TRACE_ID),
  "x-datadog-parent-id": datadogSpanId(STORED_SPAN_ID),
  "x-datadog-sampling-priority": "1",
  "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
};
