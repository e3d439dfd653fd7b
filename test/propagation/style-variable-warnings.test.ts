import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { extractStylesFromEnvironment } from "../../src/propagation/create-propagator.js";

/**
 * The warnings of a style variable with a name tracehop skips: one line per variable, saying what is
 * read, each entry skipped and why (a space where a comma belongs, another tool's name for a style, an
 * OpenTelemetry propagator tracehop does not build in, a misspelling), and a setting to paste that
 * names only styles.
 */
function said(env: NodeJS.ProcessEnv): { styles: string[]; told: [code: string, message: string][] } {
  const told: [string, string][] = [];
  const { styles } = extractStylesFromEnvironment(env, (message, code) => told.push([code, message]));
  return { styles, told };
}

describe("style variable warnings: what is read, what is skipped, a fix to paste", () => {
  test("an entry with a space beside a style that is read: the entry named, its words sorted into styles and not, the fix with styles only", () => {
    assert.deepEqual(said({ OTEL_PROPAGATORS: "w3c b3,datadog" }), {
      styles: ["datadog"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="w3c b3,datadog" is read as datadog; "w3c b3" is skipped: it holds a space, ' +
            'and names are separated by commas, not spaces (b3 is a style; "w3c" is not: W3C Trace Context is ' +
            "tracecontext); write OTEL_PROPAGATORS=tracecontext,b3,datadog",
        ],
      ],
    });
    assert.deepEqual(said({ OTEL_PROPAGATORS: "datadog, tracecontext baggage" }), {
      styles: ["datadog"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="datadog, tracecontext baggage" is read as datadog; "tracecontext baggage" ' +
            "is skipped: it holds a space, and names are separated by commas, not spaces (tracecontext and " +
            "baggage are styles); write OTEL_PROPAGATORS=datadog,tracecontext,baggage",
        ],
      ],
    });
  });

  test("Datadog's b3 single header inside an entry with spaces is one name, not b3 and two words that are no style; the fix spells it as the variable reads it", () => {
    assert.deepEqual(said({ DD_TRACE_PROPAGATION_STYLE: "datadog, tracecontext b3 single header" }), {
      styles: ["datadog"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE="datadog, tracecontext b3 single header" is read as datadog; ' +
            '"tracecontext b3 single header" is skipped: it holds a space, and names are separated by commas, ' +
            'not spaces (tracecontext and "b3 single header" are styles); write ' +
            'DD_TRACE_PROPAGATION_STYLE="datadog,tracecontext,b3 single header"',
        ],
      ],
    });
    // In any case, and in OTEL_PROPAGATORS, where b3 is the single header too.
    assert.deepEqual(said({ OTEL_PROPAGATORS: "B3 Single Header tracecontext" }), {
      styles: [],
      told: [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="B3 Single Header tracecontext" names no style tracehop reads, so nothing ' +
            'is extracted; "B3 Single Header tracecontext" is skipped: it holds a space, and names are separated ' +
            'by commas, not spaces ("B3 Single Header" and tracecontext are styles); write ' +
            "OTEL_PROPAGATORS=b3,tracecontext",
        ],
      ],
    });
    // Nothing to write: the names to use, as a DD_ variable reads them (b3 there is multi-header B3).
    assert.deepEqual(said({ DD_TRACE_PROPAGATION_STYLE: "foo" }).told, [
      [
        "TRACEHOP_NO_PROPAGATION_STYLE",
        'tracehop: DD_TRACE_PROPAGATION_STYLE="foo" names no style tracehop reads, so nothing is extracted; "foo" ' +
          "is skipped: it is no style; use tracecontext, baggage, datadog, b3 single header, b3multi, or none to " +
          "turn propagation off on purpose",
      ],
    ]);
  });

  test("nothing read: the fix holds only styles (w3c is written tracecontext, not copied)", () => {
    assert.deepEqual(said({ OTEL_PROPAGATORS: "tracecontext baggage, w3c" }), {
      styles: [],
      told: [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="tracecontext baggage, w3c" names no style tracehop reads, so nothing is ' +
            'extracted; "tracecontext baggage" is skipped: it holds a space, and names are separated by commas, ' +
            'not spaces (tracecontext and baggage are styles); "w3c" is skipped: W3C Trace Context is ' +
            "tracecontext; write OTEL_PROPAGATORS=tracecontext,baggage",
        ],
      ],
    });
    assert.deepEqual(said({ DD_TRACE_PROPAGATION_STYLE: "bogus" }).told, [
      [
        "TRACEHOP_NO_PROPAGATION_STYLE",
        'tracehop: DD_TRACE_PROPAGATION_STYLE="bogus" names no style tracehop reads, so nothing is extracted; ' +
          '"bogus" is skipped: it is no style; use tracecontext, baggage, datadog, b3 single header, b3multi, or none to turn ' +
          "propagation off on purpose",
      ],
    ]);
  });

  test("other tools' names: did you mean, spelt for the variable (a DD_ variable's single-header B3 is b3 single header)", () => {
    assert.deepEqual(said({ DD_TRACE_PROPAGATION_STYLE_EXTRACT: "datadog,b3single,B3 multi,dd,W3C" }), {
      styles: ["datadog"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,b3single,B3 multi,dd,W3C" is read as datadog; ' +
            '"b3single" is skipped: single-header B3 is "b3 single header" here; "B3 multi" is skipped: ' +
            'multi-header B3 is b3multi; "dd" is skipped: Datadog is datadog; "W3C" is skipped: W3C Trace ' +
            'Context is tracecontext; write DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,b3 single header,b3multi,tracecontext"',
        ],
      ],
    });
    assert.deepEqual(said({ OTEL_PROPAGATORS: "b3-single,trace-context,datdog" }), {
      styles: [],
      told: [
        [
          "TRACEHOP_NO_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="b3-single,trace-context,datdog" names no style tracehop reads, so ' +
            'nothing is extracted; "b3-single" is skipped: single-header B3 is b3; "trace-context" is skipped: ' +
            'W3C Trace Context is tracecontext; "datdog" is skipped: did you mean datadog?; write ' +
            "OTEL_PROPAGATORS=b3,tracecontext,datadog",
        ],
      ],
    });
  });

  test("a name with a letter of another alphabet or an invisible character: the value and the entry quoted with it escaped, not echoed as the right name", () => {
    // Cyrillic о in datadog, a zero width space after tracecontext: echoed as they are, the warning read
    // '"datadog" is skipped: did you mean datadog?'.
    assert.deepEqual(said({ OTEL_PROPAGATORS: "tracecontext,datad\u043eg" }), {
      styles: ["tracecontext"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          String.raw`tracehop: OTEL_PROPAGATORS="tracecontext,datad\u043eg" is read as tracecontext; "datad\u043eg" ` +
            "is skipped: did you mean datadog?; write OTEL_PROPAGATORS=tracecontext,datadog",
        ],
      ],
    });
    const [[code, message]] = said({ OTEL_PROPAGATORS: "tracecontext\u200b" }).told as [[string, string]];
    assert.equal(code, "TRACEHOP_NO_PROPAGATION_STYLE");
    assert.ok(
      message.startsWith(String.raw`tracehop: OTEL_PROPAGATORS="tracecontext\u200b" names no style`),
      message,
    );
    assert.ok(message.includes(String.raw`"tracecontext\u200b" is skipped`), message);
    assert.doesNotMatch(message, /\u200b/u);
  });

  test("a word of an entry with spaces holding a letter of another alphabet: quoted escaped, as the entry and the value are", () => {
    // The word was JSON-quoted as it is: '"datadog" is not: did you mean datadog?' beside a datadog that is read.
    assert.deepEqual(said({ OTEL_PROPAGATORS: "datadog,tracecontext datad\u043eg" }), {
      styles: ["datadog"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          String.raw`tracehop: OTEL_PROPAGATORS="datadog,tracecontext datad\u043eg" is read as datadog; ` +
            String.raw`"tracecontext datad\u043eg" is skipped: it holds a space, and names are separated by commas, ` +
            String.raw`not spaces (tracecontext is a style; "datad\u043eg" is not: did you mean datadog?); ` +
            "write OTEL_PROPAGATORS=datadog,tracecontext",
        ],
      ],
    });
  });

  test("a very long value or entry: cut as a style name is cut, with its length, the characters kept escaped; the log is not flooded", () => {
    // A pasted 100 000 characters were written whole, twice (the value, then the entry).
    const long = "\u200b" + "x".repeat(99_999);
    assert.deepEqual(said({ OTEL_PROPAGATORS: `tracecontext,${long}` }), {
      styles: ["tracecontext"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          String.raw`tracehop: OTEL_PROPAGATORS="tracecontext,\u200b${"x".repeat(186)}"… (100013 characters) is read as ` +
            String.raw`tracecontext; "\u200b${"x".repeat(39)}"… (100000 characters) is skipped: it is no style; ` +
            "write OTEL_PROPAGATORS=tracecontext, adding the style meant (tracecontext, baggage, datadog, b3, b3multi)",
        ],
      ],
    });
    // The deprecated variable's value and its ignored names likewise.
    const told = said({ DD_PROPAGATION_STYLE_EXTRACT: `Datadog,${"y".repeat(300)}` }).told;
    assert.equal(told.length, 1);
    assert.ok(
      told[0]![1].startsWith(
        `tracehop: DD_PROPAGATION_STYLE_EXTRACT="Datadog,${"y".repeat(192)}"… (308 characters) is deprecated`,
      ),
      told[0]![1],
    );
    assert.ok(told[0]![1].includes(`("${"y".repeat(40)}"… (300 characters) ignored:`), told[0]![1]);
  });

  test("OpenTelemetry propagators tracehop does not build in: which package has it, and the propagator option that adds it", () => {
    assert.deepEqual(said({ OTEL_PROPAGATORS: "tracecontext,jaeger,xray" }), {
      styles: ["tracecontext"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="tracecontext,jaeger,xray" is read as tracecontext; "jaeger" is skipped: ' +
            "an OpenTelemetry propagator tracehop does not build in (JaegerPropagator, @opentelemetry/propagator-jaeger); " +
            '"xray" is skipped: an OpenTelemetry propagator tracehop does not build in (AWSXRayPropagator, ' +
            "@opentelemetry/propagator-aws-xray); write OTEL_PROPAGATORS=tracecontext, and to propagate jaeger " +
            "and xray too, give startTracing and the carrier functions the option propagator: new " +
            'CompositePropagator({ propagators: [createPropagator("tracecontext"), new JaegerPropagator(), new AWSXRayPropagator()] })',
        ],
      ],
    });
    assert.deepEqual(said({ OTEL_PROPAGATORS: "ottrace" }).told, [
      [
        "TRACEHOP_NO_PROPAGATION_STYLE",
        'tracehop: OTEL_PROPAGATORS="ottrace" names no style tracehop reads, so nothing is extracted; "ottrace" ' +
          "is skipped: an OpenTelemetry propagator tracehop does not build in (OTTracePropagator, " +
          "@opentelemetry/propagator-ot-trace); to propagate ottrace, give startTracing and the carrier " +
          "functions the option propagator: new OTTracePropagator(); or use tracecontext, baggage, datadog, b3, " +
          "b3multi, or none to turn propagation off on purpose",
      ],
    ]);
  });

  test("a name with no guess beside one with: the fix keeps the styles and says which to add", () => {
    assert.deepEqual(said({ DD_TRACE_PROPAGATION_STYLE: "B3,w3c,foo" }), {
      styles: ["b3multi"],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: DD_TRACE_PROPAGATION_STYLE="B3,w3c,foo" is read as b3multi; "w3c" is skipped: W3C Trace ' +
            'Context is tracecontext; "foo" is skipped: it is no style; write ' +
            "DD_TRACE_PROPAGATION_STYLE=b3multi,tracecontext, adding the style meant (tracecontext, baggage, " +
            "datadog, b3 single header, b3multi)",
        ],
      ],
    });
    // `none` beside a skipped name: propagation off, said so.
    assert.deepEqual(said({ OTEL_PROPAGATORS: "none,tracecontex" }), {
      styles: [],
      told: [
        [
          "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
          'tracehop: OTEL_PROPAGATORS="none,tracecontex" is read as none (no propagation); "tracecontex" is ' +
            "skipped: did you mean tracecontext?; write OTEL_PROPAGATORS=tracecontext",
        ],
      ],
    });
  });
});

test("each fix, pasted, is read without a warning, as the styles it names", () => {
  for (const env of [
    { OTEL_PROPAGATORS: "w3c b3,datadog" },
    { OTEL_PROPAGATORS: "tracecontext baggage, w3c" },
    { OTEL_PROPAGATORS: "datadog, tracecontext baggage" },
    { OTEL_PROPAGATORS: "b3-single,trace-context,datdog" },
    { OTEL_PROPAGATORS: "tracecontext,jaeger,xray" },
    { DD_TRACE_PROPAGATION_STYLE_EXTRACT: "datadog,b3single,B3 multi,dd,W3C" },
    { DD_TRACE_PROPAGATION_STYLE: "B3,w3c,foo" },
    { DD_TRACE_PROPAGATION_STYLE: "none,xray" },
  ]) {
    const [[, message]] = said(env).told as [[string, string]];
    const fix = /; write (\w+)=("[^"]*"|[^\s,]+(?:,[^\s,]+)*)/.exec(message);
    assert.ok(fix, message);
    const [, variable, written] = fix as unknown as [string, string, string];
    const value = written.startsWith('"') ? (JSON.parse(written) as string) : written;
    const pasted = said({ [variable]: value });
    assert.deepEqual(pasted.told, [], `${variable}=${value}`);
    assert.ok(pasted.styles.length > 0 || value === "none", `${variable}=${value}`);
  }
});
