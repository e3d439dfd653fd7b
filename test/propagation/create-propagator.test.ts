import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
} from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import {
  createPropagator,
  extractStylesFromEnvironment,
  parseStyles,
} from "../../src/propagation/create-propagator.js";
import { DatadogPropagator } from "../../src/propagation/datadog/DatadogPropagator.js";
import { DatadogTraceContextPropagator } from "../../src/propagation/datadog/DatadogTraceContextPropagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { getExtractionLinks, getRestoredRoot } from "../../src/propagation/extraction-result.js";
import { PROPAGATION_SETTINGS } from "../support/propagation-env.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const ENV = PROPAGATION_SETTINGS;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});
const clearEnv = () => ENV.forEach((k) => delete process.env[k]);

/** The process warnings emitted while `run` runs (they are emitted on the next tick, awaited here). */
async function processWarnings(run: () => void): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

const setter = { set: (c: unknown, k: string, v: string) => ((c as Record<string, string>)[k] = v) };
const local: Context = setDatadogContext(
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "640cfd8d00000000abcdefab12345678",
    spanId: "000000003ade68b1",
    traceFlags: TraceFlags.SAMPLED,
  }),
  { samplingPriority: 2, origin: "rum", propagationTags: { "_dd.p.dm": "-4" } },
);
const injectKeys = (styles?: string | string[]) => {
  const out: Record<string, string> = {};
  createPropagator(styles).inject(local, out, setter);
  return Object.keys(out).sort();
};
// Datadog and W3C headers of two different traces, written from different contexts
// (DataDog/dd-trace-dotnet#3832).
const CONFLICT = {
  traceparent: "00-0a2a0c59c2587e265bba634e1b9bdfbb-539116310397210c-01",
  "x-datadog-trace-id": "8329154629666547108",
  "x-datadog-parent-id": "6580157064720572566",
  "x-datadog-sampling-priority": "1",
};
const extract = (carrier: unknown, styles?: string[], options?: Parameters<typeof createPropagator>[1]) =>
  createPropagator(styles, options).extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);

describe("createPropagator styles", () => {
  test("default: inject tracecontext, baggage, datadog; extract datadog first", () => {
    clearEnv();
    assert.deepEqual(injectKeys(), [
      "traceparent",
      "tracestate",
      "x-datadog-origin",
      "x-datadog-parent-id",
      "x-datadog-sampling-priority",
      "x-datadog-tags",
      "x-datadog-trace-id",
    ]);
    assert.equal(trace.getSpanContext(extract(CONFLICT))?.traceId, "000000000000000073971a01849325a4");
  });

  test("names are case-insensitive, comma text or array; none means nothing; unknown names throw", () => {
    clearEnv();
    assert.deepEqual(injectKeys(" Datadog , B3 "), injectKeys(["datadog", "b3"]));
    assert.ok(injectKeys("b3").includes("b3"));
    assert.ok(injectKeys("b3multi").includes("x-b3-traceid"));
    assert.deepEqual(injectKeys("none"), []);
    assert.throws(() => createPropagator("bogus"), {
      name: "TypeError",
      message:
        'tracehop createPropagator: unknown propagation style "bogus"; use tracecontext, baggage, datadog, b3, b3multi or none',
    });
  });

  test("an unknown name given as an argument: the guess the environment's warning gives, in the TypeError", () => {
    for (const [name, guess] of [
      ["datdog", "did you mean datadog?"],
      ["W3C", "W3C Trace Context is tracecontext"],
      ["b3-multi", "multi-header B3 is b3multi"],
      [
        "jaeger",
        "an OpenTelemetry propagator tracehop does not build in (JaegerPropagator, @opentelemetry/propagator-jaeger): " +
          'use new CompositePropagator({ propagators: [createPropagator("datadog"), new JaegerPropagator()] })',
      ],
    ])
      assert.throws(() => createPropagator(["datadog", name!]), {
        name: "TypeError",
        message: `tracehop createPropagator: unknown propagation style "${name}" (${guess}); use tracecontext, baggage, datadog, b3, b3multi or none`,
      });
  });

  test("an unknown name holding a character outside ASCII (a Cyrillic a that looks Latin): quoted escaped, the character named", () => {
    assert.throws(() => createPropagator(["datadog", "tr\u0430cecontext"]), {
      name: "TypeError",
      message:
        'tracehop createPropagator: unknown propagation style "tr\\u0430cecontext" (did you mean tracecontext?); its character 3 is ' +
        "U+0430, outside ASCII: style names are ASCII letters, digits and spaces, so retype the name (a letter of another " +
        "alphabet, an invisible character or a full-width comma came with it); use tracecontext, baggage, datadog, b3, b3multi or none",
    });
  });

  test("an unknown name is quoted as a style variable's warning quotes it: every character outside printable ASCII escaped, cut at 40 characters with its length", () => {
    const warned: string[] = [];
    const name = "datad\u00adog" + "z".repeat(60);
    extractStylesFromEnvironment({ OTEL_PROPAGATORS: `datadog,${name}` }, (message) => warned.push(message));
    const quoted = String.raw`"datad\u00adog${"z".repeat(32)}"… (68 characters)`;
    assert.equal(warned.length, 1);
    assert.ok(warned[0]!.includes(`; ${quoted} is skipped: it is no style;`), warned[0]);
    assert.throws(() => createPropagator(["datadog", name]), {
      name: "TypeError",
      message:
        `tracehop createPropagator: unknown propagation style ${quoted}; its character 6 is U+00AD, outside ASCII: ` +
        "style names are ASCII letters, digits and spaces, so retype the name (a letter of another alphabet, an invisible " +
        "character or a full-width comma came with it); use tracecontext, baggage, datadog, b3, b3multi or none",
    });
  });

  test("a propagator tracehop does not build in, given as an argument: the exact code, as the environment's warning writes it", () => {
    const jaeger =
      "an OpenTelemetry propagator tracehop does not build in (JaegerPropagator, @opentelemetry/propagator-jaeger)";
    const xray =
      "an OpenTelemetry propagator tracehop does not build in (AWSXRayPropagator, @opentelemetry/propagator-aws-xray)";
    for (const [styles, said] of [
      [
        "tracecontext,jaeger",
        `"jaeger" (${jaeger}: use new CompositePropagator({ propagators: [createPropagator("tracecontext"), new JaegerPropagator()] }))`,
      ],
      [["jaeger"], `"jaeger" (${jaeger}: use new JaegerPropagator())`],
      [
        ["xray", "B3", "jaeger", "none"],
        `"xray" (${xray}: use new CompositePropagator({ propagators: [createPropagator("b3"), new AWSXRayPropagator(), new JaegerPropagator()] }))`,
      ],
    ] as const)
      assert.throws(() => createPropagator(styles), {
        name: "TypeError",
        message: `tracehop createPropagator: unknown propagation style ${said}; use tracecontext, baggage, datadog, b3, b3multi or none`,
      });
  });

  test("Datadog's b3 single header inside an argument's name with spaces is one name: the names to write (was an unknown name)", () => {
    assert.throws(() => createPropagator("tracecontext b3 single header"), {
      name: "TypeError",
      message:
        'tracehop createPropagator: propagation style names must be separated by commas, not spaces: write "tracecontext,b3 single header", got "tracecontext b3 single header"',
    });
    assert.throws(() => createPropagator(["tracecontext B3 Single Header"]), {
      name: "TypeError",
      message:
        'tracehop createPropagator: propagation style names must be separate array elements, not separated by spaces: ["tracecontext", "B3 Single Header"], got "tracecontext B3 Single Header"',
    });
  });

  test("environment: a variable that names nothing (empty, blanks, commas) counts as unset", () => {
    clearEnv();
    const defaults = injectKeys();
    for (const blank of ["", " ", ",,", " , \t"]) {
      clearEnv();
      process.env.OTEL_PROPAGATORS = blank;
      assert.deepEqual(injectKeys(), defaults, JSON.stringify(blank));
      process.env.OTEL_PROPAGATORS = "b3";
      process.env.DD_TRACE_PROPAGATION_STYLE = blank;
      assert.deepEqual(
        injectKeys(),
        ["b3"],
        `DD_TRACE_PROPAGATION_STYLE=${JSON.stringify(blank)} hides nothing`,
      );
    }
    clearEnv();
    process.env.OTEL_PROPAGATORS = "none";
    assert.deepEqual(injectKeys(), [], "none still means no propagation");
  });

  test("environment: b3 in a DD_TRACE_PROPAGATION_STYLE* variable is b3multi (dd-trace-js 5, Datadog docs); in OTEL_PROPAGATORS the single header", () => {
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_STYLE = "datadog, B3 ";
    assert.deepEqual(extractStylesFromEnvironment().styles, ["datadog", "b3multi"]);
    assert.deepEqual(
      injectKeys().filter((key) => key.startsWith("x-b3-") || key === "b3"),
      // `local` has priority 2: x-b3-flags: 1 (dd-trace-js), in place of x-b3-sampled.
      ["x-b3-flags", "x-b3-spanid", "x-b3-traceid"],
    );
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "b3 single header";
    assert.deepEqual(extractStylesFromEnvironment().styles, ["b3"]);
    clearEnv();
    process.env.OTEL_PROPAGATORS = "b3";
    assert.deepEqual(extractStylesFromEnvironment().styles, ["b3"]);
    assert.deepEqual(injectKeys(), ["b3"]);
    clearEnv();
    // A sender configured DD_TRACE_PROPAGATION_STYLE=b3 under dd-trace-js 5 writes x-b3-*: read.
    process.env.DD_TRACE_PROPAGATION_STYLE = "b3";
    const extracted = createPropagator().extract(
      ROOT_CONTEXT,
      {
        "x-b3-traceid": "4bf92f3577b34da6a3ce929d0e0e4736",
        "x-b3-spanid": "00f067aa0ba902b7",
        "x-b3-sampled": "1",
      },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(extracted)?.spanId, "00f067aa0ba902b7");
    clearEnv();
  });

  test("an explicit list that names no style is a TypeError (none is how propagation is turned off)", () => {
    for (const empty of ["", " , ", [], ["", " "]])
      assert.throws(
        () => createPropagator(empty as never),
        (err: unknown) =>
          err instanceof TypeError &&
          /^tracehop createPropagator: no propagation style named; use .*, or none for no propagation, got /.test(
            err.message,
          ),
        JSON.stringify(empty),
      );
    assert.deepEqual(injectKeys("none"), []);
  });

  test("styles that are neither a string nor an array: a TypeError that says what is expected", () => {
    for (const bad of [null, 123, { tracecontext: true }])
      assert.throws(
        () => createPropagator(bad as never),
        (err: unknown) =>
          err instanceof TypeError &&
          /^tracehop createPropagator: styles must be a comma-separated string or an array of names, got /.test(
            err.message,
          ),
      );
  });

  test("environment: one line per variable and value, once per process, quoting the list as written", async () => {
    // The first "bogus" warning of this test file's process (warnings are given once per message).
    clearEnv();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "bogus";
      createPropagator();
      createPropagator(); // the same misconfiguration again: warned once
      process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "datadog,W3C";
      assert.deepEqual(extractStylesFromEnvironment().styles, ["datadog"]);
      createPropagator();
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on next tick
    } finally {
      process.off("warning", onWarning);
      clearEnv();
    }
    assert.deepEqual(
      warnings.map((w) => [(w as NodeJS.ErrnoException).code, w.message]),
      [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE_EXTRACT="bogus" names no style tracehop reads, so nothing is extracted; "bogus" is skipped: it is no style; use tracecontext, baggage, datadog, b3 single header, b3multi, or none to turn propagation off on purpose',
        ],
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,W3C" is read as datadog; "W3C" is skipped: W3C Trace Context is tracecontext; write DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog,tracecontext',
        ],
      ],
    );
  });

  test("environment: a spaced or unknown name beside a style that is read: what is read, what is skipped, the list to write", () => {
    const told: string[] = [];
    const record = (message: string) => told.push(message);
    // OTEL_PROPAGATORS: b3 is the single header; the spaced entry is ignored, b3 goes on.
    assert.deepEqual(
      extractStylesFromEnvironment({ OTEL_PROPAGATORS: "tracecontext baggage,b3" }, record).styles,
      ["b3"],
    );
    // A DD_ variable reads b3 as b3multi, and the warning quotes b3 as the user wrote it.
    assert.deepEqual(
      extractStylesFromEnvironment({ DD_TRACE_PROPAGATION_STYLE: "tracecontext baggage,b3" }, record).styles,
      ["b3multi"],
    );
    assert.deepEqual(
      extractStylesFromEnvironment({ DD_TRACE_PROPAGATION_STYLE_EXTRACT: "B3, w3c" }, record).styles,
      ["b3multi"],
    );
    assert.deepEqual(told, [
      'tracehop: OTEL_PROPAGATORS="tracecontext baggage,b3" is read as b3; "tracecontext baggage" is skipped: it holds a space, and names are separated by commas, not spaces (tracecontext and baggage are styles); write OTEL_PROPAGATORS=tracecontext,baggage,b3',
      'tracehop: DD_TRACE_PROPAGATION_STYLE="tracecontext baggage,b3" is read as b3multi; "tracecontext baggage" is skipped: it holds a space, and names are separated by commas, not spaces (tracecontext and baggage are styles); write DD_TRACE_PROPAGATION_STYLE=tracecontext,baggage,b3multi',
      'tracehop: DD_TRACE_PROPAGATION_STYLE_EXTRACT="B3, w3c" is read as b3multi; "w3c" is skipped: W3C Trace Context is tracecontext; write DD_TRACE_PROPAGATION_STYLE_EXTRACT=b3multi,tracecontext',
    ]);
  });

  test("environment: space-separated style names: one warning, saying they are styles separated by spaces and how to write them", async () => {
    // dd-trace-js splits DD_TRACE_PROPAGATION_STYLE* on commas only ("b3 single header" is one of its
    // names): "datadog tracecontext" is one unknown name there too, and propagation is off.
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_STYLE = "datadog tracecontext";
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      assert.deepEqual(injectKeys(), []);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
      clearEnv();
    }
    assert.deepEqual(
      warnings.map((w) => [(w as NodeJS.ErrnoException).code, w.message]),
      [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE="datadog tracecontext" names no style tracehop reads, so nothing is injected or extracted; "datadog tracecontext" is skipped: it holds a space, and names are separated by commas, not spaces (datadog and tracecontext are styles); write DD_TRACE_PROPAGATION_STYLE=datadog,tracecontext',
        ],
      ],
    );
    // OTEL_PROPAGATORS is comma-separated too; beside other names, the spaced ones are named.
    const told: string[] = [];
    const record = (message: string) => told.push(message);
    for (const value of [
      "tracecontext baggage",
      " Datadog  tracecontext ,b3 baggage",
      "tracecontext baggage,bogus",
    ])
      assert.deepEqual(extractStylesFromEnvironment({ OTEL_PROPAGATORS: value }, record).styles, []);
    assert.deepEqual(told, [
      'tracehop: OTEL_PROPAGATORS="tracecontext baggage" names no style tracehop reads, so nothing is extracted; "tracecontext baggage" is skipped: it holds a space, and names are separated by commas, not spaces (tracecontext and baggage are styles); write OTEL_PROPAGATORS=tracecontext,baggage',
      'tracehop: OTEL_PROPAGATORS=" Datadog  tracecontext ,b3 baggage" names no style tracehop reads, so nothing is extracted; "Datadog  tracecontext" is skipped: it holds a space, and names are separated by commas, not spaces (Datadog and tracecontext are styles); "b3 baggage" is skipped: it holds a space, and names are separated by commas, not spaces (b3 and baggage are styles); write OTEL_PROPAGATORS=datadog,tracecontext,b3,baggage',
      'tracehop: OTEL_PROPAGATORS="tracecontext baggage,bogus" names no style tracehop reads, so nothing is extracted; "tracecontext baggage" is skipped: it holds a space, and names are separated by commas, not spaces (tracecontext and baggage are styles); "bogus" is skipped: it is no style; write OTEL_PROPAGATORS=tracecontext,baggage, adding the style meant (tracecontext, baggage, datadog, b3, b3multi)',
    ]);
    // parseStyles skips such a name silently from the environment (the variable's warning says it);
    // given as an argument, it is a TypeError.
    assert.deepEqual(parseStyles("tracecontext baggage,b3", "environment"), ["b3"]);
    assert.throws(() => createPropagator("tracecontext baggage"), {
      name: "TypeError",
      message:
        'tracehop createPropagator: propagation style names must be separated by commas, not spaces: write "tracecontext,baggage", got "tracecontext baggage"',
    });
    assert.throws(() => createPropagator(["tracecontext baggage"]), {
      name: "TypeError",
      message:
        'tracehop createPropagator: propagation style names must be separate array elements, not separated by spaces: ["tracecontext", "baggage"], got "tracecontext baggage"',
    });
    // The whole array to write, the other elements kept (was ["tracecontext", "baggage"], without datadog).
    assert.throws(() => createPropagator(["datadog", "tracecontext baggage"]), {
      name: "TypeError",
      message:
        'tracehop createPropagator: propagation style names must be separate array elements, not separated by spaces: ["datadog", "tracecontext", "baggage"], got "tracecontext baggage"',
    });
    // A misspelt word of a spaced name: its words sorted, the misspelling guessed.
    told.length = 0;
    assert.deepEqual(
      extractStylesFromEnvironment({ OTEL_PROPAGATORS: "datadog tracecontxt" }, record).styles,
      [],
    );
    assert.deepEqual(told, [
      'tracehop: OTEL_PROPAGATORS="datadog tracecontxt" names no style tracehop reads, so nothing is extracted; "datadog tracecontxt" is skipped: it holds a space, and names are separated by commas, not spaces (datadog is a style; "tracecontxt" is not: did you mean tracecontext?); write OTEL_PROPAGATORS=datadog,tracecontext',
    ]);
  });

  test("environment: style names separated by a semicolon, a bar or a comma of another script: said as not a comma, with the list to write", async () => {
    // OpenTelemetry and dd-trace-js split these lists at "," only: "tracecontext;datadog" (or a
    // full-width comma typed with an IME, U+FF0C) is one unknown name, and propagation is off.
    clearEnv();
    process.env.OTEL_PROPAGATORS = "tracecontext\uff0cdatadog";
    const warnings = await processWarnings(() => assert.deepEqual(injectKeys(), [])).finally(clearEnv);
    assert.deepEqual(
      warnings.map((w) => [(w as NodeJS.ErrnoException).code, w.message]),
      [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="tracecontext\\uff0cdatadog" names no style tracehop reads, so nothing is injected or extracted; "tracecontext\\uff0cdatadog" is skipped: it holds U+FF0C (fullwidth comma), and names are separated by commas (tracecontext and datadog are styles); write OTEL_PROPAGATORS=tracecontext,datadog',
        ],
      ],
    );
    const told: string[] = [];
    const record = (message: string) => told.push(message);
    for (const value of ["tracecontext;datadog", "b3 | datadog,baggage", "tracecontext\u3001datadg"])
      extractStylesFromEnvironment({ OTEL_PROPAGATORS: value }, record);
    extractStylesFromEnvironment({ DD_TRACE_PROPAGATION_STYLE: "datadog;b3" }, record);
    assert.deepEqual(told, [
      'tracehop: OTEL_PROPAGATORS="tracecontext;datadog" names no style tracehop reads, so nothing is extracted; "tracecontext;datadog" is skipped: it holds ";", and names are separated by commas (tracecontext and datadog are styles); write OTEL_PROPAGATORS=tracecontext,datadog',
      'tracehop: OTEL_PROPAGATORS="b3 | datadog,baggage" is read as baggage; "b3 | datadog" is skipped: it holds "|", and names are separated by commas (b3 and datadog are styles); write OTEL_PROPAGATORS=b3,datadog,baggage',
      'tracehop: OTEL_PROPAGATORS="tracecontext\\u3001datadg" names no style tracehop reads, so nothing is extracted; "tracecontext\\u3001datadg" is skipped: it holds U+3001 (ideographic comma), and names are separated by commas (tracecontext is a style; "datadg" is not: did you mean datadog?); write OTEL_PROPAGATORS=tracecontext,datadog',
      'tracehop: DD_TRACE_PROPAGATION_STYLE="datadog;b3" names no style tracehop reads, so nothing is extracted; "datadog;b3" is skipped: it holds ";", and names are separated by commas (datadog and b3 are styles); write DD_TRACE_PROPAGATION_STYLE=datadog,b3multi',
    ]);
    // A name with such a character but no other name beside it is still no style, guessed as before.
    told.length = 0;
    extractStylesFromEnvironment({ OTEL_PROPAGATORS: "datadog;" }, record);
    assert.equal(told.length, 1);
  });

  test("argument: style names separated by a semicolon, a bar or a comma of another script: the TypeError says the separator and what to write, as the variables' warning does", () => {
    // The same reading as the environment's (OpenTelemetry and dd-trace-js split at "," only), said as
    // the TypeError of a mistake in the code: the whole list to write, or the array elements.
    for (const [styles, message] of [
      [
        "tracecontext;datadog",
        'unknown propagation style "tracecontext;datadog": it holds ";", and names are separated by commas (tracecontext and datadog are styles); write "tracecontext,datadog"',
      ],
      [
        "b3 | datadog,baggage",
        'unknown propagation style "b3 | datadog": it holds "|", and names are separated by commas (b3 and datadog are styles); write "b3,datadog,baggage"',
      ],
      [
        "tracecontext/datadog",
        'unknown propagation style "tracecontext/datadog": it holds "/", and names are separated by commas (tracecontext and datadog are styles); write "tracecontext,datadog"',
      ],
      [
        "tracecontext\uff0cdatadog",
        'unknown propagation style "tracecontext\\uff0cdatadog": it holds U+FF0C (fullwidth comma), and names are separated by commas (tracecontext and datadog are styles); write "tracecontext,datadog"',
      ],
      [
        "tracecontext\u3001datadg",
        'unknown propagation style "tracecontext\\u3001datadg": it holds U+3001 (ideographic comma), and names are separated by commas (tracecontext is a style; "datadg" is not: did you mean datadog?); write "tracecontext,datadog"',
      ],
      [
        "datadog;bogus",
        'unknown propagation style "datadog;bogus": it holds ";", and names are separated by commas (datadog is a style; "bogus" is not); write "datadog", adding the style meant (tracecontext, baggage, datadog, b3, b3multi)',
      ],
      [
        // No style among the names and nothing else in the list: the styles to choose from, not `write ""`.
        "x\ufe50y\ufe50z",
        'unknown propagation style "x\\ufe50y\\ufe50z": it holds U+FE50 (small comma), and names are separated by commas ("x" is not; "y" is not; "z" is not); use tracecontext, baggage, datadog, b3, b3multi or none, separated by commas',
      ],
      [
        "x\uff0cy\uff0cz, ",
        'unknown propagation style "x\\uff0cy\\uff0cz": it holds U+FF0C (fullwidth comma), and names are separated by commas ("x" is not; "y" is not; "z" is not); use tracecontext, baggage, datadog, b3, b3multi or none, separated by commas',
      ],
      [
        ["x;y", ""],
        'unknown propagation style "x;y": it holds ";", and names are separated by commas ("x" is not; "y" is not); use tracecontext, baggage, datadog, b3, b3multi or none, as separate array elements',
      ],
      [
        "tracecontext;jaeger",
        'unknown propagation style "tracecontext;jaeger": it holds ";", and names are separated by commas (tracecontext is a style; "jaeger" is not: an OpenTelemetry propagator tracehop does not build in (JaegerPropagator, @opentelemetry/propagator-jaeger)); use new CompositePropagator({ propagators: [createPropagator("tracecontext"), new JaegerPropagator()] })',
      ],
      [
        ["tracecontext;datadog", "b3"],
        'unknown propagation style "tracecontext;datadog": it holds ";", and names are separated by commas (tracecontext and datadog are styles); write them as separate array elements: ["tracecontext", "datadog", "b3"]',
      ],
      [
        // The whole array to write, the other elements kept (was ["datadog", "b3"], without tracecontext).
        ["tracecontext", "datadog;b3"],
        'unknown propagation style "datadog;b3": it holds ";", and names are separated by commas (datadog and b3 are styles); write them as separate array elements: ["tracecontext", "datadog", "b3"]',
      ],
      [
        // Another element as written, escaped as every quote of a written name is.
        ["datadog;tracecontext", "b3\u202e"],
        'unknown propagation style "datadog;tracecontext": it holds ";", and names are separated by commas (datadog and tracecontext are styles); write them as separate array elements: ["datadog", "tracecontext", "b3\\u202e"]',
      ],
    ] as const)
      assert.throws(() => createPropagator(styles), {
        name: "TypeError",
        message: `tracehop createPropagator: ${message}`,
      });
    // One name with such a character and no other name beside it: an unknown name, guessed as before.
    assert.throws(() => createPropagator("datadog;"), {
      name: "TypeError",
      message:
        'tracehop createPropagator: unknown propagation style "datadog;" (did you mean datadog?); use tracecontext, baggage, datadog, b3, b3multi or none',
    });
  });

  test("environment: _INJECT / _EXTRACT over DD_TRACE_PROPAGATION_STYLE over OTEL_PROPAGATORS", () => {
    clearEnv();
    process.env.OTEL_PROPAGATORS = "tracecontext,datadog";
    assert.deepEqual(
      injectKeys().filter((k) => k.startsWith("x-datadog-trace")),
      ["x-datadog-trace-id"],
    );
    assert.equal(trace.getSpanContext(extract(CONFLICT))?.traceId, "0a2a0c59c2587e265bba634e1b9bdfbb");
    process.env.DD_TRACE_PROPAGATION_STYLE = "datadog";
    assert.deepEqual(
      injectKeys().filter((k) => k === "traceparent"),
      [],
    );
    process.env.DD_TRACE_PROPAGATION_STYLE_INJECT = "tracecontext";
    process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "tracecontext,datadog";
    assert.deepEqual(injectKeys(), ["traceparent", "tracestate"]);
    assert.equal(trace.getSpanContext(extract(CONFLICT))?.traceId, "0a2a0c59c2587e265bba634e1b9bdfbb");
    process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "bogus";
    assert.equal(
      trace.getSpanContext(extract(CONFLICT)),
      undefined,
      "an unknown env style is ignored, not guessed",
    );
  });

  test("dd-trace-java's DD_PROPAGATION_STYLE_EXTRACT / _INJECT: read last, B3 is both B3 styles, warned", async () => {
    clearEnv();
    resetWarnings();
    // A B3 row a dd-trace-ot writer stored (x-b3-*), and one with the single b3 header.
    const multi = { "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124", "x-b3-spanid": "a2fb4a1d1a96d312" };
    const single = { b3: "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-1" };
    process.env.DD_PROPAGATION_STYLE_EXTRACT = "Datadog,B3";
    process.env.DD_PROPAGATION_STYLE_INJECT = " datadog  B3 ";
    const told = await recordWarnings(() => {
      assert.deepEqual(extractStylesFromEnvironment(), {
        styles: ["datadog", "b3", "b3multi"],
        variable: "DD_PROPAGATION_STYLE_EXTRACT",
      });
      for (const row of [multi, single])
        assert.equal(trace.getSpanContext(extract(row))?.spanId, "a2fb4a1d1a96d312", JSON.stringify(row));
      assert.deepEqual(
        injectKeys().filter((key) => !key.startsWith("x-datadog-")),
        ["b3", "x-b3-flags", "x-b3-spanid", "x-b3-traceid"],
      );
    });
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_DEPRECATED_PROPAGATION_STYLE",
        'tracehop: DD_PROPAGATION_STYLE_EXTRACT="Datadog,B3" is deprecated; it is read as datadog, b3, ' +
          "b3multi, as dd-trace-java reads it when no DD_TRACE_PROPAGATION_STYLE_EXTRACT, " +
          "DD_TRACE_PROPAGATION_STYLE or OTEL_PROPAGATORS is set; set " +
          'DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,b3 single header,b3multi" instead',
      ],
      [
        "TRACEHOP_DEPRECATED_PROPAGATION_STYLE",
        'tracehop: DD_PROPAGATION_STYLE_INJECT=" datadog  B3 " is deprecated; it is read as datadog, b3, ' +
          "b3multi, as dd-trace-java reads it when no DD_TRACE_PROPAGATION_STYLE_INJECT, " +
          "DD_TRACE_PROPAGATION_STYLE or OTEL_PROPAGATORS is set; set " +
          'DD_TRACE_PROPAGATION_STYLE_INJECT="datadog,b3 single header,b3multi" instead',
      ],
    ]);
    // The replacement the warning names reads the same styles.
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "datadog,b3 single header,b3multi";
    assert.deepEqual(extractStylesFromEnvironment().styles, ["datadog", "b3", "b3multi"]);
    resetWarnings();
  });

  test("DD_PROPAGATION_STYLE_EXTRACT loses to every current variable (dd-trace-java Config), warned", async () => {
    const multi = { "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124", "x-b3-spanid": "a2fb4a1d1a96d312" };
    for (const [name, value] of [
      ["DD_TRACE_PROPAGATION_STYLE_EXTRACT", "datadog"],
      ["DD_TRACE_PROPAGATION_STYLE", "datadog"],
      ["OTEL_PROPAGATORS", "tracecontext"],
    ] as const) {
      clearEnv();
      resetWarnings();
      process.env.DD_PROPAGATION_STYLE_EXTRACT = "b3";
      process.env[name] = value;
      const told = await recordWarnings(() => extractStylesFromEnvironment());
      assert.deepEqual(told.result, { styles: [value], variable: name });
      assert.equal(trace.getSpanContext(extract(multi)), undefined, name);
      assert.deepEqual(told.processWarnings, [
        [
          "TRACEHOP_DEPRECATED_PROPAGATION_STYLE",
          `tracehop: DD_PROPAGATION_STYLE_EXTRACT="b3" is deprecated and not used: ${name} is set ` +
            "and wins, " +
            "as in dd-trace-java; remove DD_PROPAGATION_STYLE_EXTRACT",
        ],
      ]);
    }
    resetWarnings();
  });

  test("DD_PROPAGATION_STYLE_*: only dd-trace-java's old names; others ignored; none known: defaults", async () => {
    clearEnv();
    resetWarnings();
    process.env.DD_PROPAGATION_STYLE_EXTRACT = "xray,b3";
    process.env.DD_PROPAGATION_STYLE_INJECT = "tracecontext, none";
    const told = await recordWarnings(() => {
      assert.deepEqual(extractStylesFromEnvironment().styles, ["b3", "b3multi"]);
      assert.deepEqual(injectKeys(), injectKeys(["tracecontext", "baggage", "datadog"]));
    });
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_DEPRECATED_PROPAGATION_STYLE",
        'tracehop: DD_PROPAGATION_STYLE_EXTRACT="xray,b3" is deprecated; it is read as b3, b3multi, as ' +
          "dd-trace-java reads it when no DD_TRACE_PROPAGATION_STYLE_EXTRACT, " +
          'DD_TRACE_PROPAGATION_STYLE or OTEL_PROPAGATORS is set ("xray" ignored: its names are datadog ' +
          "and b3; dd-trace-java's haystack and xray are no tracehop styles); set " +
          'DD_TRACE_PROPAGATION_STYLE_EXTRACT="b3 single header,b3multi" instead',
      ],
      [
        "TRACEHOP_DEPRECATED_PROPAGATION_STYLE",
        'tracehop: DD_PROPAGATION_STYLE_INJECT="tracecontext, none" is deprecated and names no style ' +
          "tracehop reads (its names are datadog and b3; dd-trace-java's haystack and xray are no " +
          "tracehop styles), so the defaults apply, as in dd-trace-java; set " +
          "DD_TRACE_PROPAGATION_STYLE_INJECT instead",
      ],
    ]);
    resetWarnings();
  });

  test("DD_TRACE_PROPAGATION_EXTRACT_FIRST is read at creation time: no links", () => {
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST = "true";
    const first = createPropagator(["datadog", "tracecontext"]);
    delete process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST;
    const all = createPropagator(["datadog", "tracecontext"]);
    const run = (p: typeof first) =>
      p.extract(ROOT_CONTEXT, normalizeCarrier(CONFLICT), normalizedCarrierGetter);
    assert.deepEqual(getExtractionLinks(run(first)), []);
    const links = getExtractionLinks(run(all));
    assert.equal(links.length, 1);
    assert.deepEqual(links[0].attributes, { reason: "terminated_context", context_headers: "tracecontext" });
    assert.equal(links[0].context.traceId, "0a2a0c59c2587e265bba634e1b9bdfbb");
    assert.equal(links[0].context.traceFlags, TraceFlags.SAMPLED);
  });

  test("DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH sets the tag limit (option wins)", () => {
    clearEnv();
    process.env.DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH = "10";
    const carrier = { ...CONFLICT, "x-datadog-tags": "_dd.p.dm=-4" };
    assert.deepEqual(getDatadogContext(extract(carrier, ["datadog"]))?.propagationTags, {});
    const ctx = createPropagator(["datadog"], { tagsMaxLength: 512 }).extract(
      ROOT_CONTEXT,
      normalizeCarrier(carrier),
      normalizedCarrierGetter,
    );
    assert.deepEqual(getDatadogContext(ctx)?.propagationTags, { "_dd.p.dm": "-4" });
  });

  test("tracestate keeps at most 32 members with dd first; the old dd member is replaced", () => {
    clearEnv();
    const others = Array.from({ length: 32 }, (_, i) => `v${i}=x`);
    const inject = (traceState: string) => {
      const ctx = trace.setSpanContext(local, {
        ...trace.getSpanContext(local)!,
        traceState: createTraceState(traceState),
      });
      const out: Record<string, string> = {};
      createPropagator(["tracecontext"]).inject(ctx, out, setter);
      return out.tracestate.split(",");
    };
    const dd = "dd=s:2;o:rum;p:000000003ade68b1;t.dm:-4;t.tid:640cfd8d00000000";
    assert.deepEqual(inject(others.join(",")), [dd, ...others.slice(0, 31)]);
    assert.deepEqual(inject(["v0=x", "dd=s:1;p:0000000000000001", "v1=x"].join(",")), [dd, "v0=x", "v1=x"]);
  });

  test("a new root started inside a restored trace does not inherit its Datadog fields", () => {
    clearEnv();
    const restored = extract({ ...CONFLICT, "x-datadog-origin": "synthetics" }, ["datadog"]);
    assert.equal(getDatadogContext(restored)?.origin, "synthetics");
    const newRoot = trace.setSpanContext(restored, {
      traceId: "1234567890abcdef1234567890abcdef",
      spanId: "1234567890abcdef",
      traceFlags: TraceFlags.SAMPLED,
    });
    assert.equal(getDatadogContext(newRoot), undefined);
    const out: Record<string, string> = {};
    createPropagator(["datadog"]).inject(newRoot, out, setter);
    assert.equal(out["x-datadog-origin"], undefined);
    assert.equal(out["x-datadog-sampling-priority"], "1");
  });
});

describe("a 64-bit Datadog winner and the 128-bit traceparent of the same trace", () => {
  // Same low 64 bits: 0x8448eb211c80319c = 9532127138774266268.
  const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const DATADOG = {
    "x-datadog-trace-id": "9532127138774266268",
    "x-datadog-parent-id": String(0xb7ad6b7169203331n),
    "x-datadog-sampling-priority": "2",
    "x-datadog-origin": "rum",
  };

  /**
   * A local span of the 128-bit trace whose Datadog fields hold an invalid tag, which drops
   * x-datadog-tags (dd-trace-js `_injectTags`).
   */
  const withInvalidTag = (samplingPriority: number) =>
    setDatadogContext(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.SAMPLED,
      }),
      { samplingPriority, propagationTags: { "_dd.p.usr": "héllo" } },
    );

  test("the winner takes the traceparent's upper 64 bits and _dd.p.tid; Datadog's priority and origin stay", () => {
    clearEnv();
    const ctx = extract({ ...DATADOG, "x-datadog-tags": "_dd.p.dm=-4", traceparent: TRACEPARENT });
    assert.equal(trace.getSpanContext(ctx)?.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.deepEqual(getDatadogContext(ctx), {
      samplingPriority: 2,
      origin: "rum",
      propagationTags: { "_dd.p.dm": "-4", "_dd.p.tid": "0af7651916cd43dd" },
    });
    assert.deepEqual(getExtractionLinks(ctx), []);
  });

  test("also for a restored root (parent id 0) and with tag propagation disabled on both sides", () => {
    clearEnv();
    const root = extract({ ...DATADOG, "x-datadog-parent-id": "0", traceparent: TRACEPARENT });
    assert.equal(trace.getSpanContext(root)?.traceId, "0af7651916cd43dd8448eb211c80319c");
    const noTags = createPropagator(undefined, { tagsMaxLength: 0 });
    const carrier: Record<string, string> = {};
    noTags.inject(local, carrier, setter);
    assert.equal(carrier["x-datadog-tags"], undefined);
    const back = noTags.extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
    assert.equal(trace.getSpanContext(back)?.traceId, "640cfd8d00000000abcdefab12345678");
  });

  test("a round trip keeps the 128-bit id when an invalid tag drops x-datadog-tags (dd-trace-js `_injectTags` drops the tid too)", () => {
    clearEnv();
    const ctx = withInvalidTag(1);
    const carrier: Record<string, string> = {};
    createPropagator().inject(ctx, carrier, setter);
    assert.equal(
      carrier["x-datadog-tags"],
      "_dd.p.tid=0af7651916cd43dd",
      "the invalid tag drops the tags, not the tid",
    );
    assert.equal(trace.getSpanContext(extract(carrier))?.traceId, "0af7651916cd43dd8448eb211c80319c");
    // dd-trace-js's headers for it: no x-datadog-tags at all; the traceparent upgrades the 64-bit winner.
    delete carrier["x-datadog-tags"];
    assert.equal(trace.getSpanContext(extract(carrier))?.traceId, "0af7651916cd43dd8448eb211c80319c");
  });

  test("a later b3 or b3multi context of the same trace upgrades the winner too (datadog + b3 setups)", () => {
    clearEnv();
    const ctx = withInvalidTag(2);
    for (const styles of [
      ["datadog", "b3"],
      ["datadog", "b3multi"],
    ]) {
      const propagator = createPropagator(styles);
      const carrier: Record<string, string> = {};
      propagator.inject(ctx, carrier, setter);
      // As dd-trace-js writes it: the invalid tag drops the whole header, the tid too.
      assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=0af7651916cd43dd", "the invalid tag drops the tags");
      delete carrier["x-datadog-tags"];
      const back = propagator.extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
      assert.equal(trace.getSpanContext(back)?.traceId, "0af7651916cd43dd8448eb211c80319c", styles.join());
      assert.equal(getDatadogContext(back)?.propagationTags["_dd.p.tid"], "0af7651916cd43dd");
      assert.equal(getDatadogContext(back)?.samplingPriority, 2);
      assert.deepEqual(getExtractionLinks(back), []);
    }
    // A 64-bit b3 winner takes a later traceparent's full id as well.
    const b3First = createPropagator(["b3", "tracecontext"]).extract(
      ROOT_CONTEXT,
      normalizeCarrier({ b3: "8448eb211c80319c-b7ad6b7169203331-1", traceparent: TRACEPARENT }),
      normalizedCarrierGetter,
    );
    assert.equal(trace.getSpanContext(b3First)?.traceId, "0af7651916cd43dd8448eb211c80319c");
  });

  test("never a tracecontext winner: a traceparent's zero upper half is its id", () => {
    clearEnv();
    const carrier = {
      traceparent: "00-00000000000000008448eb211c80319c-b7ad6b7169203331-01",
      ...DATADOG,
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
    };
    const ctx = extract(carrier, ["tracecontext", "datadog"]);
    assert.equal(trace.getSpanContext(ctx)?.traceId, "00000000000000008448eb211c80319c");
    assert.equal(trace.getSpanContext(ctx)?.spanId, "b7ad6b7169203331");
    assert.equal(getDatadogContext(ctx)?.propagationTags["_dd.p.tid"], undefined);
  });

  test("unchanged: another low half is another trace (a link); extract-first keeps the 64-bit winner", () => {
    clearEnv();
    const other = extract({
      ...DATADOG,
      traceparent: "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203331-01",
    });
    assert.equal(trace.getSpanContext(other)?.traceId, "00000000000000008448eb211c80319c");
    assert.equal(getExtractionLinks(other).length, 1);
    const first = createPropagator(undefined, { extractFirst: true }).extract(
      ROOT_CONTEXT,
      normalizeCarrier({ ...DATADOG, traceparent: TRACEPARENT }),
      normalizedCarrierGetter,
    );
    assert.equal(trace.getSpanContext(first)?.traceId, "00000000000000008448eb211c80319c");
  });
});

describe("the W3C random flag when the Datadog context wins (Trace Context Level 2 §3.2.2.5.2)", () => {
  const datadog = (tags?: string) => ({
    "x-datadog-trace-id": BigInt("0xab54a98ceb1f0ad2").toString(10),
    "x-datadog-parent-id": "1",
    "x-datadog-sampling-priority": "1",
    ...(tags ? { "x-datadog-tags": tags } : {}),
  });
  const read = (carrier: Record<string, string>) => {
    clearEnv();
    return trace.getSpanContext(extract(carrier, ["datadog", "tracecontext"]))?.traceFlags;
  };

  test("kept when the traceparent carries exactly the winner's trace id", () => {
    const carrier = {
      ...datadog("_dd.p.tid=640cfd8d00000000"),
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-03",
    };
    assert.equal(read(carrier), 0x03);
  });

  test("kept when a 64-bit winner takes the traceparent's full id", () => {
    const carrier = { ...datadog(), traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-03" };
    assert.equal(read(carrier), 0x03);
  });

  test("kept under extractFirst too (only the flag: parent and tracestate stay the winner's, system-tests test_tracestate_w3c_p_phase_3_extract_first)", () => {
    clearEnv();
    const first = (carrier: Record<string, string>) =>
      trace.getSpanContext(extract(carrier, ["datadog", "tracecontext"], { extractFirst: true }));
    const same = first({
      ...datadog("_dd.p.tid=640cfd8d00000000"),
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-03",
      tracestate: "rojo=00f067aa0ba902b7",
    });
    assert.equal(same?.traceFlags, 0x03);
    assert.equal(same?.spanId, "0000000000000001", "the Datadog parent stays");
    assert.equal(same?.traceState?.get("rojo"), undefined, "no tracestate adopted");
    // Not the exact trace id (a 64-bit winner is not upgraded under extractFirst), or no random flag.
    assert.equal(
      first({ ...datadog(), traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-03" })
        ?.traceFlags,
      0x01,
    );
    assert.equal(
      first({
        ...datadog("_dd.p.tid=640cfd8d00000000"),
        traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-01",
      })?.traceFlags,
      0x01,
    );
  });

  test("not kept when only the low 64 bits are the same (the traceparent names another 128-bit id)", () => {
    const carrier = {
      ...datadog("_dd.p.tid=640cfd8d00000000"),
      traceparent: "00-0000000000000000ab54a98ceb1f0ad2-00f067aa0ba902b7-03",
    };
    assert.equal(read(carrier), 0x01);
  });
});

describe("extract behavior: continue, restart, ignore (DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT, dd-trace-js `_extractSpanContext`)", () => {
  // One trace in both styles, Datadog's parent differing from the W3C one, with baggage of both kinds.
  const SAME_TRACE = {
    "x-datadog-trace-id": "12345678901234567890",
    "x-datadog-parent-id": "9876543210987654321",
    "x-datadog-sampling-priority": "2",
    "x-datadog-origin": "synthetics",
    "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
    "ot-baggage-legacy": "yes",
    traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-01",
    tracestate: "dd=s:2;o:synthetics;p:891087b8e3b70cb1;t.dm:-4,rojo=00f067aa0ba902b7",
    baggage: "userId=alice",
  };
  const TRACE_ID = "640cfd8d00000000ab54a98ceb1f0ad2";
  const run = (carrier: unknown, options?: Parameters<typeof createPropagator>[1], base = ROOT_CONTEXT) =>
    createPropagator(["datadog", "tracecontext", "baggage"], options).extract(
      base,
      normalizeCarrier(carrier),
      normalizedCarrierGetter,
    );
  const baggageOf = (ctx: Context) =>
    Object.fromEntries(
      (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([key, entry]) => [key, entry.value]),
    );

  test("continue (the default): the extracted context is the parent", () => {
    clearEnv();
    const ctx = run(SAME_TRACE);
    assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE_ID);
    assert.equal(trace.getSpanContext(ctx)?.spanId, "00f067aa0ba902b7");
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 2);
    assert.deepEqual(getExtractionLinks(ctx), []);
    assert.deepEqual(baggageOf(ctx), { legacy: "yes", userId: "alice" });
  });

  test("restart: no parent, no Datadog fields; one link to the extracted context; baggage kept", () => {
    clearEnv();
    const ctx = run(SAME_TRACE, { extractBehavior: "restart" });
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.equal(getDatadogContext(ctx), undefined);
    assert.equal(getRestoredRoot(ctx), undefined);
    assert.deepEqual(baggageOf(ctx), { legacy: "yes", userId: "alice" });
    const links = getExtractionLinks(ctx);
    assert.equal(links.length, 1);
    assert.deepEqual(links[0].attributes, {
      reason: "propagation_behavior_extract",
      context_headers: "datadog",
    });
    // The winner as continue would have made it: the full 128-bit id, the W3C parent (dd-trace-js
    // `_resolveTraceContextConflicts`), the adopted tracestate.
    assert.equal(links[0].context.traceId, TRACE_ID);
    assert.equal(links[0].context.spanId, "00f067aa0ba902b7");
    assert.equal(links[0].context.traceFlags, TraceFlags.SAMPLED);
    assert.equal(links[0].context.traceState?.get("rojo"), "00f067aa0ba902b7");
  });

  test("restart: the conflict links are replaced by the one restart link; the base span is dropped", () => {
    clearEnv();
    const base = trace.setSpanContext(ROOT_CONTEXT, trace.getSpanContext(local)!);
    const ctx = run(CONFLICT, { extractBehavior: "restart" }, base);
    assert.equal(trace.getSpanContext(ctx), undefined);
    const links = getExtractionLinks(ctx);
    assert.deepEqual(
      links.map((link) => [link.context.traceId, link.attributes?.reason, link.attributes?.context_headers]),
      [["000000000000000073971a01849325a4", "propagation_behavior_extract", "datadog"]],
    );
  });

  test("restart with a style from elsewhere (b3) as the winner", () => {
    clearEnv();
    const ctx = createPropagator(["b3", "baggage"], { extractBehavior: "restart" }).extract(
      ROOT_CONTEXT,
      normalizeCarrier({ b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", baggage: "k=v" }),
      normalizedCarrierGetter,
    );
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.deepEqual(baggageOf(ctx), { k: "v" });
    const links = getExtractionLinks(ctx);
    assert.deepEqual(
      links.map((link) => [link.context.traceId, link.context.spanId, link.attributes?.context_headers]),
      [["80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", "b3"]],
    );
  });

  test("restart of a restored root (Datadog parent id 0, Synthetics): no root; a link with span id 0, as dd-trace", () => {
    clearEnv();
    const ctx = run(
      {
        "x-datadog-trace-id": "123",
        "x-datadog-parent-id": "0",
        "x-datadog-sampling-priority": "-1",
        baggage: "k=v",
      },
      { extractBehavior: "restart" },
    );
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.equal(getRestoredRoot(ctx), undefined);
    assert.equal(getDatadogContext(ctx), undefined);
    assert.deepEqual(
      getExtractionLinks(ctx).map((link) => [
        link.context.traceId,
        link.context.spanId,
        link.context.traceFlags,
        link.attributes,
      ]),
      [
        [
          "0000000000000000000000000000007b",
          "0000000000000000",
          TraceFlags.NONE,
          { reason: "propagation_behavior_extract", context_headers: "datadog" },
        ],
      ],
    );
    assert.deepEqual(baggageOf(ctx), { k: "v" });
  });

  test("restart with nothing valid to extract: the baggage alone, as continue", () => {
    clearEnv();
    const ctx = run({ traceparent: "garbage", baggage: "k=v" }, { extractBehavior: "restart" });
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.deepEqual(getExtractionLinks(ctx), []);
    assert.deepEqual(baggageOf(ctx), { k: "v" });
  });

  test("ignore: the base context comes back unchanged, baggage not read", () => {
    clearEnv();
    const ctx = run(SAME_TRACE, { extractBehavior: "ignore" });
    assert.equal(ctx, ROOT_CONTEXT);
    const sole = createPropagator(["tracecontext"], { extractBehavior: "ignore" });
    assert.equal(sole.extract(local, normalizeCarrier(SAME_TRACE), normalizedCarrierGetter), local);
  });

  test("a tracecontext-only propagator restarts too (not only the composite's multi-style path)", () => {
    clearEnv();
    const ctx = createPropagator(["tracecontext"], { extractBehavior: "restart" }).extract(
      ROOT_CONTEXT,
      normalizeCarrier(SAME_TRACE),
      normalizedCarrierGetter,
    );
    assert.equal(trace.getSpanContext(ctx), undefined);
    assert.deepEqual(
      getExtractionLinks(ctx).map((link) => [link.context.spanId, link.attributes?.context_headers]),
      [["00f067aa0ba902b7", "tracecontext"]],
    );
  });

  test("the environment variable, any case and blanks; an option wins; read at creation time", () => {
    clearEnv();
    process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = " Restart ";
    const restarting = createPropagator(["datadog", "tracecontext"]);
    const continuing = createPropagator(["datadog", "tracecontext"], { extractBehavior: "continue" });
    process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = "IGNORE";
    const ignoring = createPropagator(["datadog", "tracecontext"]);
    process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = "  ";
    const blank = createPropagator(["datadog", "tracecontext"]);
    delete process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT;
    const extractWith = (p: ReturnType<typeof createPropagator>) =>
      p.extract(ROOT_CONTEXT, normalizeCarrier(SAME_TRACE), normalizedCarrierGetter);
    assert.equal(trace.getSpanContext(extractWith(restarting)), undefined);
    assert.equal(getExtractionLinks(extractWith(restarting)).length, 1);
    assert.equal(trace.getSpanContext(extractWith(continuing))?.traceId, TRACE_ID);
    assert.equal(extractWith(ignoring), ROOT_CONTEXT);
    assert.equal(trace.getSpanContext(extractWith(blank))?.traceId, TRACE_ID);
  });

  test("a new extraction onto a context holding an earlier one's links replaces them (each style, the composite)", () => {
    clearEnv();
    const earlier = run(CONFLICT);
    assert.equal(getExtractionLinks(earlier).length, 1);
    const carrier = normalizeCarrier({
      traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
      "x-datadog-trace-id": "1229782938247303441",
      "x-datadog-parent-id": "2459565876494606882",
    });
    for (const propagator of [
      createPropagator(["datadog", "tracecontext", "baggage"]),
      createPropagator(["tracecontext"]),
      createPropagator(["b3", "tracecontext"]),
      new DatadogPropagator(),
      new DatadogTraceContextPropagator(),
    ]) {
      const later = propagator.extract(earlier, carrier, normalizedCarrierGetter);
      assert.equal(trace.getSpanContext(later)?.traceId.slice(16), "1111111111111111");
      assert.deepEqual(getExtractionLinks(later), [], propagator.constructor.name);
    }
    // Nothing valid extracted: the context comes back as it was, its links included.
    const unchanged = createPropagator().extract(earlier, normalizeCarrier({}), normalizedCarrierGetter);
    assert.equal(unchanged, earlier);
  });

  test("an unknown value: a TypeError as an option; continue with one process warning from the environment", async () => {
    clearEnv();
    for (const bad of ["Restart", "stop", "", null, 1])
      assert.throws(
        () => createPropagator(["datadog"], { extractBehavior: bad as never }),
        (err: Error) => err instanceof TypeError && /"continue", "restart" or "ignore"/.test(err.message),
      );
    // A process warning an earlier test set off (emitted on a later tick: a CI run caught an earlier test's
    // TRACEHOP_DATADOG_TAG_INVALID here) comes before this test listens.
    await new Promise((resolve) => setImmediate(resolve));
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = "restrat";
      const ctx = createPropagator(["datadog", "tracecontext"]).extract(
        ROOT_CONTEXT,
        normalizeCarrier(SAME_TRACE),
        normalizedCarrierGetter,
      );
      createPropagator(["datadog"]);
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on next tick
      assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE_ID);
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(
      warnings.map((w) => (w as NodeJS.ErrnoException).code),
      ["TRACEHOP_UNKNOWN_EXTRACT_BEHAVIOR"],
    );
    assert.match(warnings[0]!.message, /DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT="restrat"/);
  });
});

/** A Datadog context with propagated tags (a decision maker and a 128-bit trace's upper half). */
const TAGGED = {
  "x-datadog-trace-id": "7277407061855694839",
  "x-datadog-parent-id": "5208512171318403364",
  "x-datadog-sampling-priority": "2",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
};

describe("createPropagator / DatadogPropagator options and their environment variables", () => {
  test("options of the wrong kind are TypeErrors that say what is accepted", () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => createPropagator(undefined, { tagsMaxLength: -3 }),
        /^tracehop createPropagator: tagsMaxLength must be a non-negative integer/,
      ],
      [
        () => createPropagator(undefined, { tagsMaxLength: 1.5 }),
        /tagsMaxLength must be a non-negative integer/,
      ],
      [
        () => new DatadogPropagator({ tagsMaxLength: "x" as never }),
        /^tracehop DatadogPropagator: tagsMaxLength must be a non-negative integer .* got "x"$/,
      ],
      [
        () => createPropagator(undefined, { extractFirst: "yes" as never }),
        /^tracehop createPropagator: extractFirst must be true or false, got "yes"$/,
      ],
      [
        () => createPropagator(undefined, 5 as never),
        /^tracehop createPropagator: options must be an object such as \{ extractFirst: true \}, got 5$/,
      ],
    ];
    for (const [call, message] of cases)
      assert.throws(call, (err: unknown) => err instanceof TypeError && message.test(err.message));
    // 0 is valid: tag propagation off (dd-trace-js `_extractTags` / `_injectTags`).
    const carrier: Record<string, string> = {};
    createPropagator(["datadog"], { tagsMaxLength: 0 }).inject(
      createPropagator(["datadog"]).extract(ROOT_CONTEXT, normalizeCarrier(TAGGED), normalizedCarrierGetter),
      carrier,
      defaultTextMapSetter,
    );
    assert.equal(carrier["x-datadog-tags"], undefined);
    assert.equal(carrier["x-datadog-trace-id"], TAGGED["x-datadog-trace-id"]);
  });

  test("tagsMaxLength and DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: at most Number.MAX_SAFE_INTEGER, a larger one is refused with what to write", async () => {
    // 1e20 (written 99999999999999999999) is an integer to JavaScript but not one a number holds
    // exactly: refused rather than taken as the limit, from the option and from the environment alike.
    const header = "_dd.p.x=" + "a".repeat(592); // 600 characters: over the default limit, 512
    const tagsOf = (propagator: ReturnType<typeof createPropagator>) =>
      getDatadogContext(
        propagator.extract(
          ROOT_CONTEXT,
          normalizeCarrier({ ...TAGGED, "x-datadog-tags": header }),
          normalizedCarrierGetter,
        ),
      )?.propagationTags;
    const said =
      /tagsMaxLength must be a non-negative integer of at most 9007199254740991 \(Number\.MAX_SAFE_INTEGER; .*\), got 100000000000000000000 \(above Number\.MAX_SAFE_INTEGER\)$/;
    for (const make of [
      () => createPropagator(["datadog"], { tagsMaxLength: 1e20 }),
      () => new DatadogPropagator({ tagsMaxLength: 1e20 }),
    ])
      assert.throws(make, (err: unknown) => err instanceof TypeError && said.test(err.message));
    assert.throws(() => createPropagator(["datadog"], { tagsMaxLength: 2 ** 53 }), TypeError);
    // An integer beyond the safe ones is shown as the user can recognise it, not as String rounds it.
    assert.throws(() => createPropagator(["datadog"], { tagsMaxLength: 2 ** 60 }), {
      name: "TypeError",
      message:
        "tracehop createPropagator: tagsMaxLength must be a non-negative integer of at most 9007199254740991 " +
        "(Number.MAX_SAFE_INTEGER; the x-datadog-tags limit in characters, default 512, 0 turns tag propagation off), " +
        "got 1152921504606846976 (2^60, above Number.MAX_SAFE_INTEGER, which JavaScript prints as 1152921504606847000)",
    });
    assert.deepEqual(tagsOf(createPropagator(["datadog"], { tagsMaxLength: Number.MAX_SAFE_INTEGER })), {
      "_dd.p.x": "a".repeat(592),
    });

    clearEnv();
    const warnings = await processWarnings(() => {
      process.env.DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH = "99999999999999999999";
      assert.deepEqual(tagsOf(createPropagator(["datadog"])), {}, "the default limit, 512");
      assert.deepEqual(tagsOf(createPropagator(["datadog"])), {}, "the default limit, 512");
      process.env.DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH = "9007199254740992"; // 2^53
      assert.deepEqual(tagsOf(createPropagator(["datadog"])), {}, "the default limit, 512");
      for (const text of ["9007199254740991", " 0009007199254740991 "]) {
        process.env.DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH = text;
        assert.deepEqual(tagsOf(createPropagator(["datadog"])), { "_dd.p.x": "a".repeat(592) }, text);
      }
    });
    clearEnv();
    assert.deepEqual(
      warnings.map((w) => [(w as NodeJS.ErrnoException).code, w.message]),
      ["99999999999999999999", "9007199254740992"].map((text) => [
        "TRACEHOP_BAD_TAGS_MAX_LENGTH",
        `tracehop: DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH="${text}" is over 9007199254740991 (Number.MAX_SAFE_INTEGER), ` +
          "the largest limit tracehop reads exactly (the default, 512, is used); write a whole number of " +
          "characters from 0 (tag propagation off) to 9007199254740991",
      ]),
    );
  });

  test("a bad DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH / DD_TRACE_PROPAGATION_EXTRACT_FIRST: the default, and one process warning each", async () => {
    clearEnv();
    process.env.DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH = "abc";
    process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST = "maybe";
    const warnings = await processWarnings(() => {
      for (let i = 0; i < 2; i++) {
        const carrier: Record<string, string> = {};
        createPropagator(["datadog"]).inject(
          createPropagator(["datadog"]).extract(
            ROOT_CONTEXT,
            normalizeCarrier(TAGGED),
            normalizedCarrierGetter,
          ),
          carrier,
          defaultTextMapSetter,
        );
        assert.equal(carrier["x-datadog-tags"], TAGGED["x-datadog-tags"], "the default limit, 512");
      }
    });
    clearEnv();
    assert.deepEqual(warnings.map((w) => (w as NodeJS.ErrnoException).code).sort(), [
      "TRACEHOP_BAD_EXTRACT_FIRST",
      "TRACEHOP_BAD_TAGS_MAX_LENGTH",
    ]);
  });

  test("a bad DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT / _EXTRACT_FIRST / DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH is quoted as a style name is: a look-alike or invisible character escaped, a long value cut with its length", async () => {
    const long = "x".repeat(100_000);
    const cases: [variable: string, written: string, shown: string][] = [
      ["DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT", "c\u043entinue", '"c\\u043entinue"'],
      ["DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT", "restart\u200b", '"restart\\u200b"'],
      ["DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT", long, `"${"x".repeat(40)}"… (100000 characters)`],
      ["DD_TRACE_PROPAGATION_EXTRACT_FIRST", "tru\u0435", '"tru\\u0435"'],
      ["DD_TRACE_PROPAGATION_EXTRACT_FIRST", "1\u00ad", '"1\\u00ad"'],
      ["DD_TRACE_PROPAGATION_EXTRACT_FIRST", long, `"${"x".repeat(40)}"… (100000 characters)`],
      ["DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH", "5000\u200b", '"5000\\u200b"'],
      ["DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH", "\uff15\uff10\uff10", '"\\uff15\\uff10\\uff10"'],
      ["DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH", long, `"${"x".repeat(40)}"… (100000 characters)`],
    ];
    for (const [variable, written, shown] of cases) {
      clearEnv();
      resetWarnings();
      process.env[variable] = written;
      const { processWarnings, diagWarnings } = await recordWarnings(() => createPropagator(["datadog"]));
      clearEnv();
      assert.equal(processWarnings.length, 1, `${variable}=${shown}`);
      const [, message] = processWarnings[0]!;
      assert.equal(diagWarnings[0], message);
      assert.ok(message.startsWith(`tracehop: ${variable}=${shown} is not `), message);
      assert.match(message, /^[\x20-\x7e…]*$/, "nothing outside printable ASCII but the cut's …");
      assert.ok(message.length < 400, `${message.length} characters`);
    }
  });

  test("a shared style variable that names nothing known: one warning naming it and both directions; none,x: none, x said skipped", async () => {
    clearEnv();
    const warnings = await processWarnings(() => {
      process.env.DD_TRACE_PROPAGATION_STYLE = "w3c";
      assert.deepEqual(createPropagator().fields(), []);
      process.env.DD_TRACE_PROPAGATION_STYLE = "none,zipkin";
      assert.deepEqual(createPropagator().fields(), []);
    });
    clearEnv();
    assert.deepEqual(
      warnings
        .filter((w) => (w as NodeJS.ErrnoException).code?.endsWith("_PROPAGATION_STYLE"))
        .map((w) => [(w as NodeJS.ErrnoException).code, w.message]),
      [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE="w3c" names no style tracehop reads, so nothing is injected or extracted; "w3c" is skipped: W3C Trace Context is tracecontext; write DD_TRACE_PROPAGATION_STYLE=tracecontext',
        ],
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE="none,zipkin" is read as none (no propagation); "zipkin" is skipped: it is no style; write DD_TRACE_PROPAGATION_STYLE=none for no propagation, or the styles meant (tracecontext, baggage, datadog, b3 single header, b3multi)',
        ],
      ],
    );
  });
});
