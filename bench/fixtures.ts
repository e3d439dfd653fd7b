/**
 * The contexts and carriers every benchmark section uses: one realistic trace (DESIGN.md "The
 * carrier": a 128-bit trace id, sampling priority 2, origin, decision maker, another vendor's
 * tracestate member, two baggage entries), so that each implementation does the same work.
 */
import { defaultTextMapGetter, ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import { createPropagator } from "tracehop";

/** The full default carrier as it arrives in HTTP headers (lower-case names), baggage included. */
export const FULL_CARRIER: Readonly<Record<string, string>> = Object.freeze({
  traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
  tracestate: "dd=s:2;o:synthetics;t.dm:-4;t.tid:640cfd8d00000000;p:891087b8e3b70cb1,rojo=00f067aa0ba902b7",
  baggage: "userId=alice,region=eu-west-1",
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "9876543210987654321",
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "synthetics",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
});

/** The baggage of {@link FULL_CARRIER}, for dd-trace's process-wide baggage store. */
export const BAGGAGE_ITEMS: Readonly<Record<string, string>> = Object.freeze({
  userId: "alice",
  region: "eu-west-1",
});

/**
 * The context every injector starts from: {@link FULL_CARRIER} extracted by tracehop's default
 * styles (span context with tracestate, Datadog fields, baggage), as a relay re-injects a stored one.
 */
export function fullContext(): Context {
  return createPropagator(["datadog", "tracecontext", "baggage"]).extract(
    ROOT_CONTEXT,
    FULL_CARRIER,
    defaultTextMapGetter,
  );
}

/** A 1 MiB header value (hostile input), in UTF-16 code units of one ASCII character each. */
export const ONE_MIB = 1024 * 1024;
