/**
 * withSendSpan with one headers object shared by every send (a module-level constant of application
 * headers): a plain object is copied for each send, never written, so concurrent sends each carry their
 * own trace and the shared object never holds a request's context or baggage. A client's header object
 * (a Map, a fetch Headers, NATS MsgHdrs) is still filled in place: one per message.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { runInNewContext } from "node:vm";
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, type Span } from "@opentelemetry/api";
import { withSendSpan } from "../../src/messaging/index.js";
import { exporter, traceparentOf, tracer } from "./tracing.js";

const kafka = { system: "kafka", destination: "jobs" } as const;

beforeEach(() => exporter.reset());

/** One request: its span active with baggage `user.email=<email>`, as an HTTP server would restore it. */
async function inRequest<T>(email: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const withBaggage = propagation.setBaggage(
    context.active(),
    propagation.createBaggage({ "user.email": { value: email } }),
  );
  return context.with(withBaggage, () =>
    tracer.startActiveSpan("request", async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    }),
  );
}

const USERS = ["alice@example.com", "bob@example.com", "carol@example.com"];

/**
 * Three concurrent requests, each sending one message with `shared` as its headers; `fn` awaits before
 * it sends (the last request's send finishes first), as a real producer's `send` does. The messages
 * as sent and each request's trace id.
 */
async function concurrentSends<H extends Record<string, unknown>>(
  shared: H,
): Promise<{ sent: Record<string, unknown>[]; traceIds: string[] }> {
  const sent: Record<string, unknown>[] = [];
  const traceIds: string[] = [];
  await Promise.all(
    USERS.map((email, i) =>
      inRequest(email, async (span) => {
        traceIds[i] = span.spanContext().traceId;
        await withSendSpan({ ...kafka, headers: shared }, async (headers) => {
          await sleep(5 * (USERS.length - i));
          // What a producer's send encodes: the fields as they are now.
          sent[i] = { ...headers };
        });
      }),
    ),
  );
  return { sent, traceIds };
}

/** Asserts each message carries its own request's trace and baggage, and the application headers. */
function assertOwnTraces(sent: Record<string, unknown>[], traceIds: string[]): void {
  const sendSpans = exporter.getFinishedSpans().filter((s) => s.name === "send jobs");
  assert.equal(sendSpans.length, USERS.length);
  for (let i = 0; i < USERS.length; i++) {
    const message = sent[i]!;
    const send = sendSpans.find((s) => traceparentOf(s.spanContext()) === message.traceparent);
    assert.ok(send, `message ${i}: its traceparent is a send span's (${String(message.traceparent)})`);
    assert.equal(send.spanContext().traceId, traceIds[i], `message ${i} carries its own request's trace`);
    assert.equal(decodeURIComponent(String(message.baggage)), `user.email=${USERS[i]}`);
    assert.equal(message["x-service"], "billing", "the application header is sent");
  }
}

describe("withSendSpan: one plain headers object shared by concurrent sends", () => {
  test("each message carries its own trace; the shared object stays as given, no context or baggage in it", async () => {
    const STATIC = { "x-service": "billing" };
    const { sent, traceIds } = await concurrentSends(STATIC);
    assertOwnTraces(sent, traceIds);
    assert.deepEqual(Object.entries(STATIC), [["x-service", "billing"]], "the shared object is unchanged");
  });

  test("a null-prototype object and another realm's plain object are copied too", async () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { "x-service": "billing" });
    const otherRealm = runInNewContext(`({ "x-service": "billing" })`) as Record<string, unknown>;
    for (const shared of [bare, otherRealm]) {
      exporter.reset();
      const { sent, traceIds } = await concurrentSends(shared);
      assertOwnTraces(sent, traceIds);
      assert.deepEqual(Object.keys(shared), ["x-service"]);
      assert.equal(shared["x-service"], "billing");
    }
  });

  test("fn receives a copy: stale propagation headers left out of it (any case), kept in the caller's object", async () => {
    const given: Record<string, unknown> = {
      Traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
      "x-datadog-trace-id": "1",
      baggage: "user.email=mallory%40example.com",
      "content-type": "text/plain",
    };
    const before = { ...given };
    await tracer.startActiveSpan("request", async (span) => {
      const handed = withSendSpan({ ...kafka, headers: given }, (headers) => headers);
      span.end();
      assert.notEqual(handed, given);
      assert.deepEqual(given, before, "the caller's object is exactly as given");
      assert.equal("Traceparent" in handed, false);
      assert.equal(handed.baggage, undefined, "the stale baggage is not sent on");
      assert.equal(handed["content-type"], "text/plain");
      const send = exporter.getFinishedSpans().find((s) => s.name === "send jobs")!;
      assert.equal(handed.traceparent, traceparentOf(send.spanContext()));
    });
  });

  test("an own __proto__ header stays an own field of the copy; the given object keeps it", async () => {
    await tracer.startActiveSpan("request", async (span) => {
      const given = JSON.parse(`{"__proto__": "p", "x-service": "billing"}`) as Record<string, unknown>;
      const handed = withSendSpan({ ...kafka, headers: given }, (h) => h);
      span.end();
      assert.equal(Object.getPrototypeOf(handed), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(handed, "__proto__")?.value, "p");
      assert.equal(typeof handed.traceparent, "string");
      assert.deepEqual(Object.keys(given), ["__proto__", "x-service"]);
    });
  });

  test("a Map is still filled in place (a client's object: one per message)", async () => {
    await tracer.startActiveSpan("request", async (span) => {
      const headers = new Map<string, unknown>([["x-service", "billing"]]);
      const handed = withSendSpan({ ...kafka, headers }, (h) => h);
      span.end();
      assert.equal(handed, headers);
      assert.equal(typeof headers.get("traceparent"), "string");
    });
  });

  test("an object inheriting data fields is copied: fn gets its own and inherited fields, the object stays as given", async () => {
    await tracer.startActiveSpan("request", async (span) => {
      const table = Object.assign(Object.create(null) as Record<string, unknown>, {
        "x-tenant": "t-1",
        app: "shadowed",
        "X-Datadog-Trace-Id": "7",
      });
      const headers = Object.assign(Object.create(table) as Record<string, unknown>, { app: "1" });
      const handed = withSendSpan({ ...kafka, headers }, (h) => h);
      span.end();
      assert.notEqual(handed, headers);
      assert.equal(Object.getPrototypeOf(handed), Object.prototype);
      const send = exporter.getFinishedSpans().find((s) => s.name === "send jobs")!;
      assert.equal(handed.traceparent, traceparentOf(send.spanContext()));
      assert.equal(handed.app, "1", "an own field shadows the inherited one");
      assert.equal(handed["x-tenant"], "t-1", "an inherited field is sent on as an own field");
      assert.equal(
        Object.hasOwn(handed, "X-Datadog-Trace-Id"),
        false,
        "an inherited stale header is left out",
      );
      assert.deepEqual(Object.keys(headers), ["app"], "the given object is unchanged");
      assert.equal(Object.getPrototypeOf(headers), table);
      assert.deepEqual(Object.keys(table), ["x-tenant", "app", "X-Datadog-Trace-Id"]);
    });
  });

  test("Object.create(defaults) shared by concurrent sends: each message its own trace, the object and its prototype unchanged", async () => {
    const DEFAULTS = { "x-service": "billing", "content-type": "application/json" };
    const shared = Object.assign(Object.create(DEFAULTS) as Record<string, unknown>, {
      "x-route": "invoices",
    });
    const { sent, traceIds } = await concurrentSends(shared);
    assertOwnTraces(sent, traceIds);
    for (const message of sent) {
      assert.equal(message["content-type"], "application/json");
      assert.equal(message["x-route"], "invoices");
    }
    assert.deepEqual(Object.entries(shared), [["x-route", "invoices"]], "the shared object is unchanged");
    assert.equal(Object.getPrototypeOf(shared), DEFAULTS);
    assert.deepEqual(Object.entries(DEFAULTS), [
      ["x-service", "billing"],
      ["content-type", "application/json"],
    ]);
  });

  test("inherited fields that throw are left out of the copy, never thrown; a deep chain is read to its end", async () => {
    await tracer.startActiveSpan("request", async (span) => {
      const throwing = Object.defineProperty({ "x-kept": "1" }, "x-broken", {
        enumerable: true,
        get() {
          throw new Error("getter");
        },
      });
      let deep: object = { "x-deepest": "d" };
      for (let i = 0; i < 20; i++) deep = Object.create(deep) as object;
      for (const headers of [Object.create(throwing) as Record<string, unknown>, deep]) {
        const handed = withSendSpan({ ...kafka, headers: headers as Record<string, unknown> }, (h) => h);
        assert.notEqual(handed, headers);
        assert.equal(typeof handed.traceparent, "string");
        assert.equal(Object.hasOwn(handed, "x-broken"), false);
        if (headers === deep) assert.equal(handed["x-deepest"], "d");
        else assert.equal(handed["x-kept"], "1");
      }
      span.end();
    });
  });

  test("a class instance is still written as properties, in place (one per message)", async () => {
    await tracer.startActiveSpan("request", async (span) => {
      const headers = Object.assign(new (class AppHeaders {})(), { app: "1" }) as unknown as Record<
        string,
        unknown
      >;
      const handed = withSendSpan({ ...kafka, headers }, (h) => h);
      span.end();
      assert.equal(handed, headers);
      assert.equal(typeof headers.traceparent, "string");
    });
  });
});
