// A tracestate whose list-members are separated by runs of empty and whitespace-only members (allowed
// and skipped, Trace Context §3.3.1.1), up to a megabyte of them: read as the same members as the list
// written plainly. Pins the one-pass skip of empty members (the scan that made a 1 MiB header of commas
// cost 76 ms a read: bench/hostile.ts "tracestate (only commas)").
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultTextMapGetter, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import fc from "fast-check";
import { contextFromCarrier, createPropagator } from "../../src/index.js";
import { runParameters } from "./arbitraries.js";

const TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const member = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,5}$/), fc.stringMatching(/^[!-+--<>-~]{1,6}$/))
  .filter(([key]) => key !== "dd") // Datadog's member, which the Datadog-aware styles rewrite
  .map(([k, v]) => `${k}=${v}`);
/** Between two members: at least one comma, with commas, spaces and tabs around it. */
const separator = fc
  .tuple(fc.stringMatching(/^[ \t,]{0,6}$/), fc.stringMatching(/^[ \t,]{0,6}$/))
  .map(([before, after]) => `${before},${after}`);
const edge = fc.stringMatching(/^[ \t,]{0,6}$/);

const READERS = [
  {
    name: "tracecontext",
    read: (c: Record<string, string>) =>
      createPropagator(["tracecontext"]).extract(ROOT_CONTEXT, c, defaultTextMapGetter),
  },
  {
    name: "createPropagator()",
    read: (c: Record<string, string>) => createPropagator().extract(ROOT_CONTEXT, c, defaultTextMapGetter),
  },
  { name: "contextFromCarrier", read: (c: Record<string, string>) => contextFromCarrier(c) },
];

/** The tracestate members other than `dd=` a context carries, as written. */
const vendorMembers = (state: string | undefined) =>
  (state ?? "").split(",").filter((m) => m !== "" && !m.startsWith("dd="));

describe("tracestate: empty and whitespace-only members between members are skipped", () => {
  for (const { name, read } of READERS)
    test(`${name}: the members of the plain list, in order`, () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(member, { minLength: 1, maxLength: 32, selector: (m) => m.split("=")[0] }),
          fc.array(separator, { minLength: 31, maxLength: 31 }),
          edge,
          edge,
          (members, separators, before, after) => {
            const header =
              before + members.map((m, i) => (i === 0 ? m : separators[i - 1]! + m)).join("") + after;
            const state = trace
              .getSpanContext(read({ traceparent: TP, tracestate: header }))
              ?.traceState?.serialize();
            assert.deepEqual(vendorMembers(state), members, `tracestate ${JSON.stringify(header)}`);
          },
        ),
        runParameters(200),
      );
    });

  test("a member between two runs of 512 Ki commas, tabs and spaces is read", () => {
    const run = " \t,".repeat(1 << 17) + ",".repeat(1 << 19);
    const read = READERS[0]!.read;
    const state = trace.getSpanContext(
      read({ traceparent: TP, tracestate: `${run}rojo=00f067aa0ba902b7${run}` }),
    )?.traceState;
    assert.equal(state?.serialize(), "rojo=00f067aa0ba902b7");
    assert.equal(trace.getSpanContext(read({ traceparent: TP, tracestate: run }))?.traceState, undefined);
  });
});
