// Hostile values given where an entry point takes a name from the user (createPropagator's styles, an
// option's value): the TypeError says what to fix in one short line of printable text, whatever was
// given — a control character or a 1 MiB string is never copied into the message, an array element
// that is no string is named by its index, and an array whose reading throws is still answered with
// tracehop's TypeError, all in bounded time.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  DatadogPropagator,
  setDatadogContext,
  setRestoreDefaults,
  startTracing,
  traced,
  withCarrier,
} from "../../src/index.js";
import { injectKafkaHeaders, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { resolveTracingConfig } from "../../src/tracing/tracing-config.js";
import { withEnv } from "../tracing/config-env.js";
import { describeValue } from "../../src/describe-value.js";
import { runParameters } from "./arbitraries.js";

/** C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** Longest message a bad style name may give: the fixed text, a guess and a cut quote of the name. */
const MAX_MESSAGE_LENGTH = 600;
const ONE_MIB = 1024 * 1024;

/** The TypeError `createPropagator(styles)` throws (fails the test when it throws none or another error). */
function styleError(styles: unknown): TypeError {
  try {
    createPropagator(styles as string[]);
  } catch (error) {
    assert.ok(error instanceof TypeError, `not a TypeError: ${String(error)}`);
    return error;
  }
  assert.fail(`createPropagator(${describeValue(styles)}) did not throw`);
}

/** A message a user can read: tracehop's prefix, no control character, bounded length. */
function assertReadable(message: string, where = "createPropagator"): void {
  assert.ok(message.startsWith(`tracehop ${where}: `), message.slice(0, 200));
  assert.doesNotMatch(message, CONTROL, `control character in ${JSON.stringify(message.slice(0, 200))}`);
  assert.ok(message.length <= MAX_MESSAGE_LENGTH, `message of ${message.length} characters`);
}

describe("createPropagator: a style name that is no style", () => {
  // A name that is no style once trimmed and lower-cased: any text with a character no style name holds,
  // between two `x` (never trimmed to nothing).
  const noStyle = fc
    .tuple(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.constantFrom("\u0000", "\r\n", "\u007f", "\u0085", "\u2028", "\u202e", "é", "\ud800"),
    )
    .map(([text, odd]) => `x${text}${odd}${text}x`);

  test("as text or an array element: a TypeError of printable text, at most 600 characters", () => {
    fc.assert(
      fc.property(noStyle, fc.boolean(), (name, inArray) => {
        const message = styleError(
          inArray ? ["tracecontext", name] : `tracecontext,${name.replaceAll(",", ";")}`,
        ).message;
        assertReadable(message);
        assert.match(message, /unknown propagation style|propagation style names must be/);
      }),
      runParameters(300),
    );
  });

  // Found by the property above in a CI run: names of astral characters, each escaped as 12 characters,
  // between full-width commas: the separator hint listed every word whole (646 characters).
  test("names of other-script commas and astral characters: the separator hint's words within the bound", () => {
    const astral = "\u{10000}".repeat(7);
    for (const name of [`x${astral}\ufe50\u0000${astral}\ufe50x`, `${astral}\ufe50`.repeat(6)]) {
      for (const styles of [["tracecontext", name], `tracecontext,${name}`]) {
        const message = styleError(styles).message;
        assertReadable(message);
        assert.match(message, /it holds U\+FE50 \(small comma\), and names are separated by commas/);
      }
    }
  });

  test("control characters are shown escaped, the name cut at 40 characters with its length", () => {
    assert.equal(
      styleError(["a\r\nb\u0000\u007f\u009b"]).message,
      'tracehop createPropagator: unknown propagation style "a\\r\\nb\\u0000\\u007f\\u009b"; its character 7 is U+009B, outside ASCII: ' +
        "style names are ASCII letters, digits and spaces, so retype the name (a letter of another alphabet, an invisible " +
        "character or a full-width comma came with it); use tracecontext, baggage, datadog, b3, b3multi or none",
    );
    assert.equal(
      styleError(["x".repeat(ONE_MIB)]).message,
      `tracehop createPropagator: unknown propagation style "${"x".repeat(40)}"… (${ONE_MIB} characters); use tracecontext, baggage, datadog, b3, b3multi or none`,
    );
  });

  // Refused with a readable message (escaped, cut); their time is not asserted here (values only in tests).
  test("1 MiB names (one, many, spaced style names) are refused with a readable message", () => {
    const inputs: unknown[] = [
      "z".repeat(ONE_MIB),
      ["q".repeat(ONE_MIB)],
      Array<string>(ONE_MIB / 64).fill("00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01"),
      "datadog tracecontext ".repeat(ONE_MIB / 21),
      ["datadog tracecontext ".repeat(ONE_MIB / 21)],
    ];
    for (const styles of inputs) {
      assertReadable(styleError(styles).message);
    }
  });
});

describe("createPropagator: an array element that is not a string", () => {
  test("is named by its index and described, not converted with String()", () => {
    const cases: [unknown, string][] = [
      [1, "1"],
      [null, "null"],
      [{}, "an object"],
      [Object.create(null), "an object"],
      [["tracecontext"], "an array"],
      [Symbol("datadog"), "Symbol(datadog)"],
      [10n, "10n"],
    ];
    for (const [element, described] of cases)
      assert.equal(
        styleError(["datadog", element]).message,
        `tracehop createPropagator: styles[1] must be a style name (a string), got ${described}`,
      );
  });

  test("an array whose elements throw when read: tracehop's TypeError, not the thrown error", () => {
    const throwing = new Proxy(["datadog"], {
      get(target, key, receiver) {
        if (key === "0") throw new Error("element");
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const message = styleError(throwing).message;
    assertReadable(message);
    assert.match(message, /styles could not be read \("element"\)/);
  });
});

describe("describeValue: what every TypeError shows of a value", () => {
  test("never holds a control character (C0, DEL, C1, line separators, bidirectional controls)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.string({ unit: "binary", maxLength: 10 }).map((description) => Symbol(description)),
        ),
        (value) => {
          assert.doesNotMatch(describeValue(value), CONTROL);
        },
      ),
      runParameters(300),
    );
  });
});

describe("describeValue quotes a string as a setting is quoted (quoteWritten): what the user pasted is seen", () => {
  test("a look-alike letter or an invisible character is escaped, so the TypeError shows why the value is refused", () => {
    assert.equal(describeValue("c\u043entinue"), '"c\\u043entinue"');
    assert.equal(describeValue("5000\u200b"), '"5000\\u200b"');
    assert.equal(describeValue("\u00ad"), '"\\u00ad"');
    assert.equal(describeValue(Symbol("d\u0430tadog")), "Symbol(d\\u0430tadog)");
    assert.equal(describeValue("x".repeat(100_000)), `"${"x".repeat(40)}"… (100000 characters)`);
    // Through an option's TypeError.
    assert.throws(
      () => createPropagator(["datadog"], { extractBehavior: "c\u043entinue" as never }),
      (err: Error) => err instanceof TypeError && err.message.endsWith('got "c\\u043entinue"'),
    );
  });

  test("any string or symbol: printable ASCII alone (and § and …)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.string({ unit: "binary", maxLength: 10 }).map((description) => Symbol(description)),
        ),
        (value) => {
          const shown = describeValue(value);
          assert.match(shown, /^[\x20-\x7e§…]*$/, shown); // § and …, tracehop's own, are left as they are
        },
      ),
      runParameters(300),
    );
  });
});

describe("a name the user gave that tracehop quotes back (a misspelt option, a tag key)", () => {
  // Entry points that name an unknown option: each called with `{ [name]: 1 }` (plus what it requires).
  const entryPoints: [string, (options: Record<string, unknown>) => unknown][] = [
    ["captureCarrier", (o) => captureCarrier(o)],
    ["contextFromCarrier", (o) => contextFromCarrier({}, o)],
    ["createPropagator", (o) => createPropagator(undefined, o)],
    ["DatadogPropagator", (o) => new DatadogPropagator(o)],
    ["withCarrier", (o) => withCarrier({}, "job", () => 1, o)],
    ["traced", (o) => traced(o)],
    ["setRestoreDefaults", (o) => setRestoreDefaults(o)],
    ["injectKafkaHeaders", (o) => injectKafkaHeaders({}, o)],
    ["withProcessSpan", (o) => withProcessSpan({}, { system: "kafka", destination: "q", ...o }, () => 1)],
    ["withSendSpan", (o) => withSendSpan({ system: "kafka", destination: "q", ...o }, () => 1)],
    ["traceCarrierExtension", (o) => traceCarrierExtension(o)],
    ["startTracing", (o) => resolveTracingConfig({ serviceName: "s", batch: o })],
    // A tag whose value is no text: the TypeError names its key.
    [
      "setDatadogContext",
      (o) => setDatadogContext(ROOT_CONTEXT, { propagationTags: o as Record<string, string> }),
    ],
  ];
  // A key no entry point has: text with a control character, up to 2 000 characters (1 MiB below).
  const oddName = fc
    .tuple(
      fc.string({ unit: "binary", maxLength: 1000 }),
      fc.constantFrom("\u0000", "\r\n", "\u001b[2J", "\u007f", "\u0085", "\u2028", "\u202e"),
    )
    .map(([text, odd]) => `${text}${odd}${text}`);

  for (const [where, call] of entryPoints)
    test(`${where}: a TypeError of printable text, at most 600 characters`, () => {
      const check = (name: string) => {
        let thrown: unknown;
        try {
          call({ [name]: 1 });
        } catch (error) {
          thrown = error;
        }
        assert.ok(thrown instanceof TypeError, `${where}: ${String(thrown)}`);
        assertReadable(thrown.message, where);
      };
      fc.assert(fc.property(oddName, check), runParameters(100));
      check(`\r\n${"k".repeat(ONE_MIB)}`);
    });
});

test("startTracing while tracing runs: the running service's name is quoted escaped and cut", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-hostile-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // From OTEL_SERVICE_NAME: the serviceName option refuses a control character; the variable's are
  // left out of the name with a warning (TRACEHOP_CONTROL_CHARACTER_SETTING), the rest is quoted and cut.
  const handle = withEnv({ OTEL_SERVICE_NAME: `svc\r\n\u001b[2J${"x".repeat(ONE_MIB)}` }, () =>
    startTracing({ spansFile: join(dir, "spans.jsonl") }),
  );
  try {
    let thrown: unknown;
    try {
      startTracing({ serviceName: "again" });
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof Error, String(thrown));
    assertReadable(thrown.message, "startTracing");
    assert.match(
      thrown.message,
      /\(service "svc\[2Jx+"… \(1048582 characters\), by an earlier startTracing\)/,
    );
  } finally {
    await handle.shutdown();
  }
});
