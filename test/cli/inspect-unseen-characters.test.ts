// A value that holds a character no one sees (a CR or LF a client left at the end, a no-break space a
// copy from a web page put in, U+2028, a zero width space, a bidirectional control): the styles refuse it,
// and the reason must name that character, read as the style reads the value (trial t7: a traceparent
// ending in "\r\n" was said as `traceparent "00-…-01" rejected by W3C Trace Context`, a valid-looking
// value and no rule, for the reason-finder trimmed what the parser keeps); `tracehop inspect`'s text
// report shows every such character escaped, as the warnings do.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { inspectCarrier } from "../../src/cli/inspect.js";
import { run } from "./run-cli.js";

const T = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const P = "1111111111111111";
const TP = `00-${T}-${P}-01`;
const OWS =
  "only spaces and tabs around a header value are ignored (optional white space, RFC 9110 §5.6.3); any " +
  "other character is part of the value, and breaks its grammar";

/** The verdict of `style` on `carrier` (in-process). */
function verdict(carrier: Record<string, unknown>, style: string) {
  return inspectCarrier(carrier).styles[style]!;
}

describe("a reason names the unseen character, read as the style reads the value", () => {
  test("a traceparent ending or starting in white space that is no OWS: the character, escaped", () => {
    const cases: [string, string][] = [
      [
        `${TP}\r\n`,
        `traceparent ${JSON.stringify(`${TP}\r\n`)} ends with U+000D (carriage return), U+000A (line feed): ${OWS}`,
      ],
      [`${TP}\r`, `traceparent ${JSON.stringify(`${TP}\r`)} ends with U+000D (carriage return): ${OWS}`],
      [`${TP}\u00a0`, `traceparent "${TP}\u00a0" ends with U+00A0 (no-break space): ${OWS}`],
      [`\u00a0 ${TP}`, `traceparent "\u00a0 ${TP}" starts with U+00A0 (no-break space): ${OWS}`],
      [`\ufeff${TP}`, `traceparent "\ufeff${TP}" starts with U+FEFF (byte order mark): ${OWS}`],
      [`${TP}\u200b`, `traceparent "${TP}\u200b" ends with U+200B (zero width space): ${OWS}`],
      [`${TP}\u2028`, `traceparent "${TP}\u2028" ends with U+2028 (line separator): ${OWS}`],
    ];
    for (const [traceparent, detail] of cases)
      assert.deepEqual(verdict({ traceparent }, "tracecontext"), { status: "rejected", detail }, traceparent);
    // SP and HTAB around it are OWS: valid, as the parser reads it.
    assert.equal(verdict({ traceparent: ` \t${TP}\t ` }, "tracecontext").status, "valid");
  });

  test("a character inside a traceparent field is named with its place", () => {
    const HEX = "trace-id is 32 lowercase hex digits, not all zero (W3C Trace Context §3.2.2.3)";
    const traceId = `${T.slice(0, 31)}\u00a0`;
    assert.deepEqual(verdict({ traceparent: `00-${traceId}-${P}-01` }, "tracecontext"), {
      status: "rejected",
      detail:
        `traceparent trace-id "${traceId}" has a character that is not a hex digit; ${HEX}; its character 32 ` +
        "is U+00A0 (no-break space), outside printable ASCII",
    });
  });

  test("b3 and x-b3-* values: the B3 styles' OWS rule, the character named", () => {
    const span = P;
    assert.deepEqual(verdict({ b3: `${T}-${span}-1\r\n` }, "b3"), {
      status: "rejected",
      detail: `b3 ${JSON.stringify(`${T}-${span}-1\r\n`)} ends with U+000D (carriage return), U+000A (line feed): ${OWS}`,
    });
    assert.deepEqual(verdict({ "x-b3-traceid": `${T}\u00a0`, "x-b3-spanid": span }, "b3multi"), {
      status: "rejected",
      detail: `x-b3-traceid "${T}\u00a0" ends with U+00A0 (no-break space): ${OWS}`,
    });
    assert.deepEqual(verdict({ "x-b3-traceid": T, "x-b3-spanid": span, "x-b3-sampled": "1\n" }, "b3multi"), {
      status: "rejected",
      detail: `x-b3-sampled "1\\n" ends with U+000A (line feed): ${OWS}`,
    });
    // SP and HTAB around them are OWS: valid.
    assert.equal(verdict({ b3: ` ${T}-${span}-1\t` }, "b3").status, "valid");
  });

  test("Datadog ids, priority, origin and tags, which take no OWS: the first unseen character named", () => {
    const ids = { "x-datadog-trace-id": "12345", "x-datadog-parent-id": "42" };
    assert.deepEqual(verdict({ ...ids, "x-datadog-trace-id": "12345\u00a0" }, "datadog"), {
      status: "rejected",
      detail:
        'x-datadog-trace-id "12345\u00a0" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615); ' +
        "its character 6 is U+00A0 (no-break space), outside printable ASCII",
    });
    assert.deepEqual(verdict({ ...ids, "x-datadog-parent-id": "42\r\n" }, "datadog"), {
      status: "rejected",
      detail:
        'x-datadog-parent-id "42\\r\\n" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615); its character 3 is U+000D ' +
        "(carriage return), outside printable ASCII",
    });
    assert.deepEqual(verdict({ ...ids, "x-datadog-sampling-priority": "1\u2028" }, "datadog"), {
      status: "rejected",
      detail:
        'x-datadog-sampling-priority "1\u2028" is not an integer of at most 10 digits (not counting a sign ' +
        "and leading zeros); its character 2 is U+2028 (line separator), outside printable ASCII",
    });
    const diagnostics = inspectCarrier({
      ...ids,
      "x-datadog-origin": "synthetics\u200b",
      "x-datadog-tags": "_dd.p.dm=-4,_dd.p.usr=a\u00a0b",
    }).diagnostics;
    assert.ok(
      diagnostics.some((d) =>
        d.startsWith(
          'x-datadog-origin "synthetics\u200b" is dropped by the datadog style: it holds a character that is not ' +
            "printable ASCII (a control or a non-ASCII character); its character 11 is U+200B (zero width space), " +
            "outside printable ASCII;",
        ),
      ),
      diagnostics.join("\n"),
    );
    assert.ok(
      diagnostics.some(
        (d) =>
          d.startsWith("x-datadog-tags dropped whole: a member breaks the key=value grammar") &&
          d.includes("; its character 24 is U+00A0 (no-break space), outside printable ASCII;"),
      ),
      diagnostics.join("\n"),
    );
    // A tid that holds one is no key=value text: the header is dropped whole, the character named.
    assert.ok(
      inspectCarrier({ ...ids, "x-datadog-tags": "_dd.p.tid=640cfd8d0000000\u00a0" }).diagnostics.some((d) =>
        d.includes("; its character 26 is U+00A0 (no-break space), outside printable ASCII;"),
      ),
    );
  });

  test("tracestate and baggage members: the character named", () => {
    const discarded = inspectCarrier({ traceparent: TP, tracestate: "dd=s:1,vendor=a\u00a0b" }).diagnostics;
    assert.ok(
      discarded.some((d) =>
        d.includes(
          'member 2 "vendor=a\u00a0b" breaks the grammar: a value is 1-256 printable ASCII characters other than , ' +
            "and =, not ending in a space (W3C Trace Context §3.3.1.3.2); its character 2 is U+00A0 (no-break space), " +
            "outside printable ASCII",
        ),
      ),
      discarded.join("\n"),
    );
    const baggage = inspectCarrier({ traceparent: TP, baggage: "a=1,b=2\r\n" }).diagnostics;
    assert.ok(
      baggage.some((d) =>
        d.includes(
          '1 breaking the baggage grammar key=value (the first: "b=2\\r\\n"; its character 4 is U+000D (carriage ' +
            "return), outside printable ASCII)",
        ),
      ),
      baggage.join("\n"),
    );
  });
});

describe("tracehop inspect (the bin's command)", () => {
  test('the trial\'s repro: a traceparent ending in "\\r\\n" names the line end, escaped', () => {
    const { code, stdout } = run(["inspect", JSON.stringify({ traceparent: `${TP}\r\n` })]);
    assert.equal(code, 1);
    assert.ok(
      stdout.includes(
        `  tracecontext rejected traceparent "${TP}\\r\\n" ends with U+000D (carriage return), U+000A (line feed): only spaces`,
      ),
      stdout,
    );
  });
});

describe("tracehop inspect's text report escapes what it quotes, as the warnings do", () => {
  // Each a character a terminal shows as nothing, as a space, or acts on: NBSP, a soft hyphen, a zero
  // width space and joiner, the line and paragraph separators, the bidirectional embeddings, overrides
  // and isolates, a byte order mark, a letter outside ASCII, an astral character (a surrogate pair).
  const UNSEEN = [
    "\u00a0",
    "\u00ad",
    "\u200b",
    "\u200d",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u00e9",
    "\u{1f600}",
  ];
  const escape = (text: string) =>
    [...text]
      .map((c) =>
        c >= " " && c <= "~"
          ? c
          : [...Array(c.length).keys()]
              .map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`)
              .join(""),
      )
      .join("");

  test("every such character in an x-datadog-trace-id and the other fields quoted: escaped, the JSON faithful", () => {
    for (const c of UNSEEN) {
      const carrier = {
        "x-datadog-trace-id": `123${c}4`,
        "x-datadog-parent-id": "42",
        "x-datadog-origin": `rum${c}`,
        traceparent: `${TP}${c}`,
        b3: `${T}-${P}-1${c}`,
      };
      const text = run(["inspect", "--styles", "datadog,tracecontext,b3", JSON.stringify(carrier)]);
      assert.equal(text.code, 1);
      // Printable ASCII and line breaks alone, but for the § and … the reasons write.
      const outside = [...text.stdout].filter((x) => !((x >= " " && x <= "~") || x === "\n" || x === "§"));
      assert.deepEqual(outside, [], `${escape(c)}: ${text.stdout}`);
      for (const quoted of [
        `x-datadog-trace-id "123${escape(c)}4"`,
        `x-datadog-origin "rum${escape(c)}"`,
        // The whole value, or its field, as the reason quotes it.
        `01${escape(c)}"`,
        `-1${escape(c)}"`,
      ])
        assert.ok(text.stdout.includes(quoted), `${quoted}\n${text.stdout}`);
      // --json stays the values themselves: JSON text, which a reader decodes to what was stored.
      const json = run(["inspect", "--json", "--styles", "datadog", JSON.stringify(carrier)]);
      const report = JSON.parse(json.stdout) as { styles: Record<string, { detail: string }> };
      assert.ok(report.styles.datadog!.detail.startsWith(`x-datadog-trace-id "123${c}4" is not`));
    }
  });

  test("the warning and the report escape alike (one function)", async () => {
    const { boundedText } = await import("../../src/context/carrier-rejected.js");
    const { escapeUnprintable } = await import("../../src/describe-value.js");
    for (const c of UNSEEN) assert.equal(boundedText(`"a${c}"`), escapeUnprintable(`"a${c}"`));
  });
});
