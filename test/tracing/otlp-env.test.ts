/**
 * The OTEL_EXPORTER_OTLP_* variables startTracing checks for the OTLP exporter (protocol, headers,
 * compression, TLS files, a base endpoint ending with the traces path): a process warning each.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { warningsOf } from "./config-env.js";
import { DEFAULT_SPANS_FILE } from "../../src/tracing/tracing-config.js";
import { maskUrl } from "../../src/tracing/mask-url.js";

describe("OTEL_EXPORTER_OTLP_* settings the exporter does not use as written: a process warning each", () => {
  test("an OTLP protocol other than http/json: named with the variable that set it", async () => {
    const grpc = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    });
    assert.deepEqual(grpc.processWarnings, [
      [
        "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL",
        'tracehop: OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported by startTracing, which sends ' +
          "OTLP/HTTP with JSON bodies (http/json) instead to the same endpoint: an OTLP/gRPC port (4317) " +
          "refuses it, every Collector OTLP/HTTP receiver (port 4318) accepts it; set " +
          "OTEL_EXPORTER_OTLP_PROTOCOL=http/json or unset it",
      ],
    ]);
    const protobuf = await warningsOf(
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      { otlpEndpoint: "http://collector:4318" },
    );
    assert.deepEqual(
      protobuf.processWarnings.map(([code, message]) => [code, message.split(" is ")[0]]),
      [
        [
          "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL",
          'tracehop: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/protobuf"',
        ],
      ],
    );
    // Not exporting OTLP at all: the protocol does not matter.
    assert.deepEqual((await warningsOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).processWarnings, []);
  });

  test("an OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT that is no http(s) URL: ignored, as if unset, with the variable, its value, the fix and what applies (not a thrown error)", async () => {
    const CODE = "TRACEHOP_BAD_OTLP_ENDPOINT";
    // OTLP on only through the endpoint: off, as with no endpoint; the spans file instead.
    const alone = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" });
    assert.deepEqual(alone.processWarnings, [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" has no scheme, so it is no http(s) URL; ignored, ' +
          "as if it were unset: OTLP export is off, as with no endpoint set (spans go to the spans file only). " +
          'Add http:// or https:// (OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318")',
      ],
    ]);
    assert.equal(alone.result.config.otlp, undefined);
    assert.equal(alone.result.config.spansFile, resolve(DEFAULT_SPANS_FILE));
    const noFile = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, { spansFile: false });
    assert.match(
      noFile.processWarnings[0]![1],
      /OTLP export is off, as with no endpoint set \(no span is exported at all\)/,
    );
    // OTEL_TRACES_EXPORTER=otlp: the default endpoint, given to the exporter (which would read the bad one).
    const otlp = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_TRACES_EXPORTER: "otlp",
    });
    assert.match(
      otlp.processWarnings[0]![1],
      /; ignored, as if it were unset: spans are sent to the default, http:\/\/localhost:4318\/v1\/traces\. Add http:\/\/ or https:\/\//,
    );
    assert.deepEqual(
      [otlp.result.config.otlp?.url, otlp.result.config.otlp?.destination],
      ["http://localhost:4318/v1/traces", "http://localhost:4318/v1/traces"],
    );
    // A bad traces endpoint: the base one applies; a bad scheme; gRPC's port; secrets masked.
    const traces = await warningsOf({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://c:4317?api_key=k3y",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
    });
    assert.deepEqual(traces.processWarnings, [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="grpc://c:4317?api_key=***" uses grpc:, not http: or https: ' +
          "(tracehop exports OTLP over HTTP, not gRPC); ignored, as if it were unset: OTEL_EXPORTER_OTLP_ENDPOINT " +
          "applies: spans are sent to http://c:4318/v1/traces. Set it to an http(s) URL such as http://127.0.0.1:4318, or unset it",
      ],
    ]);
    assert.equal(traces.result.config.otlp?.url, "http://c:4318/v1/traces");
    const both = await warningsOf({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "not a url",
      OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4317",
    });
    assert.deepEqual(
      both.processWarnings.map(([code, message]) => [code, message.split("; ignored")[0]]),
      [
        [CODE, 'tracehop: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="not a url" is not a URL'],
        [
          CODE,
          'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4317" has no scheme, so it is no http(s) URL (and 4317 ' +
            "is OTLP/gRPC's port: tracehop exports OTLP over HTTP, usually to 4318)",
        ],
      ],
    );
    assert.equal(both.result.config.otlp, undefined);
    // A host and port with a user part, a query or a fragment is one without a scheme too (it parses as a
    // URL whose scheme is the user name or the host); the fix's *** is said to stand for the secret. A
    // text that is no URL at all has its secrets masked as well; no gRPC note for another scheme.
    const problems = async (value: string) =>
      (await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: value })).processWarnings.map(([code, message]) => [
        code,
        message.replace(/; ignored, as if it were unset: [^.]*\./, " …"),
      ]);
    assert.deepEqual(await problems("user:s3cret@collector:4318"), [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="user:***@collector:4318" has no scheme, so it is no http(s) URL … ' +
          'Add http:// or https:// (OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@collector:4318", *** being the secret you wrote)',
      ],
    ]);
    assert.deepEqual(await problems("collector:4318?region=eu"), [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318?region=eu" has no scheme, so it is no http(s) URL … ' +
          'Add http:// or https:// (OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318?region=eu")',
      ],
    ]);
    assert.deepEqual(await problems("//user:s3cret@collector:4318"), [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="//user:***@collector:4318" has no scheme, so it is no http(s) URL … ' +
          'Add http:// or https:// (OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@collector:4318", *** being the secret you wrote)',
      ],
    ]);
    // Every host and port form is one: an IPv4 or [IPv6] address, a name the URL parser refuses, a token
    // alone before "@", a password holding "@", "/" or a tab (the user part runs to the last "@").
    for (const [value, fix] of [
      ["127.0.0.1:4318", '"http://127.0.0.1:4318"'],
      ["[::1]:4318/v1/traces", '"http://[::1]:4318/v1/traces"'],
      ["my_collector:4318", '"http://my_collector:4318"'],
      ["t0ken@collector:4318", '"http://***@collector:4318", *** being the secret you wrote'],
      ["user:p@ss/w\tord@[::1]:4318", '"http://user:***@[::1]:4318", *** being the secret you wrote'],
    ])
      assert.deepEqual(
        (await problems(value)).map(
          ([, message]) => /has no scheme.*\(OTEL_EXPORTER_OTLP_ENDPOINT=(.*)\)$/.exec(message!)?.[1],
        ),
        [fix],
        value,
      );
    assert.deepEqual(await problems("ftp://c:21"), [
      [
        CODE,
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="ftp://c:21" uses ftp:, not http: or https: (tracehop exports OTLP ' +
          "over HTTP) … Set it to an http(s) URL such as http://127.0.0.1:4318, or unset it",
      ],
    ]);
    // Not read at all: nothing said (OTEL_TRACES_EXPORTER=console or none, the otlpEndpoint option, a
    // valid traces endpoint over it).
    for (const [vars, options] of [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318", OTEL_TRACES_EXPORTER: "console" }, {}],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318", OTEL_TRACES_EXPORTER: "none" }, {}],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, { otlpEndpoint: "http://h:4318" }],
      [
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://h:4318/v1/traces",
        },
        {},
      ],
    ] as const)
      assert.deepEqual((await warningsOf(vars, options)).processWarnings, [], JSON.stringify(vars));
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_HEADERS entries the exporter drops: each named by position and the name before its =, never its value", async () => {
    const { processWarnings } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "dd-api-key,x-ok=1, =v,x-empty=",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "token:s3cr3t,x-bad=%zz",
    });
    const fix =
      'Write each header as name=value, separated by commas (a "," "=" ";" or "%" in a value ' +
      "percent-encoded: %2C, %3D, %3B, %25)";
    const tail = `: the OTLP exporter drops it, so its requests are sent without that header. ${fix}`;
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 2 ("x-bad"; value not shown) is not valid percent-encoding (a "%" must start a %XX escape of UTF-8; a literal "%" is %25)${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 3 (name not shown; value not shown) has no name before its "="${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 4 ("x-empty"; value not shown) has an empty value${tail}`,
      ],
    ]);
    // An entry without "=" may be a pasted secret alone ("token:s3cr3t", a bare key): never quoted.
    assert.doesNotMatch(JSON.stringify(processWarnings), /s3cr3t|token|dd-api-key/);
    // A secret after a ";" or a ":" is never shown either; a name that is no HTTP token fails every request
    // (Node: "Header name must be a valid HTTP token"); a ";" in a value cuts it.
    const more = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key;c2VjcmV0==,x-api-key:c2VjcmV0==,a=b;c2VjcmV0",
    });
    assert.deepEqual(more.processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        "tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 2 (name not shown; value not shown) has a name that is no HTTP " +
          "token (letters, digits and !#$%&'*+-.^_`|~ only): Node refuses it, so every export request fails and no " +
          `span reaches the collector. ${fix}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 3 ("a"; value not shown) has a ";" in it: the exporter sends only what precedes it as the value${tail}`,
      ],
    ]);
    assert.doesNotMatch(JSON.stringify(more.processWarnings), /c2VjcmV0/);
    // Exactly the entries @opentelemetry/core drops as the exporter reads them.
    const { parseKeyPairsIntoRecord } = await import("@opentelemetry/core");
    assert.deepEqual(parseKeyPairsIntoRecord("dd-api-key,x-ok=1, =v,x-empty="), { "x-ok": "1" });
    assert.deepEqual(parseKeyPairsIntoRecord("token:s3cr3t,x-bad=%zz"), {});
    const good = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "dd-api-key=abc,x-a=b%2Cc",
    });
    assert.deepEqual(good.processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION other than gzip or none: ignored, saying what applies", async () => {
    const none = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzp",
    });
    assert.deepEqual(none.processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_COMPRESSION",
        'tracehop: OTEL_EXPORTER_OTLP_COMPRESSION="gzp" is not a compression the OTLP exporter knows ' +
          "(gzip or none, in lower case); ignored: bodies are sent uncompressed. Set it to gzip or none, or unset it",
      ],
    ]);
    const other = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "GZIP",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    });
    assert.deepEqual(
      other.processWarnings.map(([code, message]) => [code, message.split("; ")[1]]),
      [
        [
          "TRACEHOP_BAD_OTLP_COMPRESSION",
          "ignored: OTEL_EXPORTER_OTLP_COMPRESSION=gzip applies. Set it to gzip or none, or unset it",
        ],
      ],
    );
    // A valid _TRACES_ one overrides the general one, which the exporter then never reads: nothing to say.
    const overridden = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_COMPRESSION: "zip",
    });
    assert.deepEqual(overridden.processWarnings, []);
    const fine = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_COMPRESSION: " gzip ",
    });
    assert.deepEqual(fine.processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE / CLIENT_KEY / CLIENT_CERTIFICATE naming a file that cannot be read", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-hG-tls-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const readable = join(dir, "ca.pem");
    writeFileSync(readable, "-----BEGIN CERTIFICATE-----\n");
    const missing = join(dir, "missing.pem");
    const { processWarnings } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:4318",
      OTEL_EXPORTER_OTLP_CERTIFICATE: missing,
      OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: missing,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: readable, // the _TRACES_ one is the one read
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: readable,
    });
    const reason = `ENOENT: no such file or directory, open "${missing}"`;
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_UNREADABLE_OTLP_TLS_FILE",
        `tracehop: OTEL_EXPORTER_OTLP_CERTIFICATE="${missing}" cannot be read (${reason}); the OTLP exporter ` +
          "ignores it: the collector's certificate is checked against Node's default CAs instead. Set it to " +
          "the path of a readable PEM file, or unset it",
      ],
      [
        "TRACEHOP_UNREADABLE_OTLP_TLS_FILE",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY="${missing}" cannot be read (${reason}); the OTLP ` +
          "exporter ignores it: no client certificate is sent (mTLS). Set it to the path of a readable PEM " +
          "file, or unset it",
      ],
    ]);
  });

  test("an endpoint without a scheme shown in a message masks the password of its user part too", () => {
    assert.equal(maskUrl("user:s3cret@collector:4318/v1/traces"), "user:***@collector:4318/v1/traces");
    assert.equal(maskUrl("t0ken@collector:4318"), "***@collector:4318");
    // A password holding "/", "?", "#" or "\\" (which end a URL's authority: "http://u:t0k/en@c" is a valid
    // URL whose path is the rest of the token), an empty one, a token holding "/": the user part runs to
    // the last "@", a token alone or with an empty password is masked whole.
    assert.equal(maskUrl("https://user:abc/def+ghi==@collector:4318"), "https://user:***@collector:4318");
    assert.equal(maskUrl("http://user:pa?ss@c:4318/v1/traces"), "http://user:***@c:4318/v1/traces");
    assert.equal(maskUrl("http://user:pa#ss@c:4318"), "http://user:***@c:4318");
    assert.equal(maskUrl("http://user:pa\\ss@c:4318"), "http://user:***@c:4318");
    assert.equal(maskUrl("http://tokenpart1/SECRETPART2@127.0.0.1:4318"), "http://***@127.0.0.1:4318");
    assert.equal(maskUrl("TOKEN:@collector:4318"), "***@collector:4318");
    assert.equal(maskUrl("http://TOKEN:@c:4318?api_key=k"), "http://***@c:4318?api_key=***");
    // Leading slashes, one slash after the scheme, no "//" after it: no authority bounds the user part.
    assert.equal(maskUrl("//user:s3cret@collector:4318"), "//user:***@collector:4318");
    assert.equal(maskUrl("/u:s3cret@c:4318"), "/u:***@c:4318");
    assert.equal(maskUrl("http:/u:s3cret@c:4318"), "http:/u:***@c:4318");
    assert.equal(maskUrl("http//u:s3cret@c:4318"), "***@c:4318");
    // A password holding "/" (a base64 token) is masked whole; an "@" in a path masks more than needed.
    assert.equal(maskUrl("u:ab/cd+ef@c:4318"), "u:***@c:4318");
    assert.equal(maskUrl("collector:4318/a@b"), "collector:***@b");
    // No "@": as written (the port's colon is no password).
    assert.equal(maskUrl("collector:4318"), "collector:4318");
    assert.equal(maskUrl("//collector:4318/v1/traces"), "//collector:4318/v1/traces");
  });

  test("an endpoint shown in a message masks an Azure shared access signature (sig) and a Functions key (code), not the other parameters", () => {
    assert.equal(
      maskUrl("https://c.example/v1/traces?sv=2022-11-02&sig=abc%2Bdef&code=k3y&region=eu"),
      "https://c.example/v1/traces?sv=2022-11-02&sig=***&code=***&region=eu",
    );
    assert.equal(
      maskUrl("https://c.example/?SIG=a&signal=b&zipcode=c"),
      "https://c.example/?SIG=***&signal=b&zipcode=c",
    );
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT with a query or a fragment: v1/traces lands in it; the warning gives the traces endpoint, secrets masked", async () => {
    const { processWarnings, result } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://user:s3cret@c:4318/?api_key=k3y&region=eu",
    });
    assert.equal(
      result.config.otlp?.destination,
      "http://user:s3cret@c:4318/?api_key=k3y&region=eu/v1/traces",
    );
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_QUERY",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@c:4318/?api_key=***&region=eu" has a query, but ' +
          "the exporter appends v1/traces to the text as written, so spans are sent to " +
          "http://user:***@c:4318/?api_key=***&region=eu/v1/traces. Set " +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://user:***@c:4318/v1/traces?api_key=***&region=eu instead (used as is; " +
          "*** being the secret you wrote)",
      ],
    ]);
    // With /v1/traces before the query, an empty query, a fragment after it: one warning, and the traces
    // endpoint it gives is the base path, /v1/traces once, then the query.
    for (const [endpoint, fix] of [
      ["http://c:4318/v1/traces?x=1", "http://c:4318/v1/traces?x=1"],
      ["http://c:4318/v1/traces/?x=1#f", "http://c:4318/v1/traces?x=1"],
      ["http://c:4318/base?", "http://c:4318/base/v1/traces"],
    ]) {
      const told = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      assert.deepEqual(
        told.processWarnings.map(([code]) => code),
        ["TRACEHOP_OTLP_ENDPOINT_QUERY"],
        endpoint,
      );
      assert.match(
        told.processWarnings[0]![1],
        new RegExp(`Set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${fix.replace(/[?.]/g, "\\$&")} instead`),
        endpoint,
      );
    }
    // A fragment: v1/traces lands in it, and it is never sent: the URL shown is the one requested.
    const fragment = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318#s3cret" });
    assert.deepEqual(fragment.processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_QUERY",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318#***" has a fragment, but the exporter appends ' +
          "v1/traces to the text as written, so spans are sent to http://c:4318/ (a fragment is never sent). Set " +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/v1/traces instead (used as is)",
      ],
    ]);
    // A "?" after the "#" is part of the fragment, not a query (WHATWG URL: `search` is empty).
    const inFragment = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/v1/traces#a?token=x",
    });
    assert.deepEqual(inFragment.processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_QUERY",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318/v1/traces#***" has a fragment, but the ' +
          "exporter appends v1/traces to the text as written, so spans are sent to " +
          "http://collector:4318/v1/traces (a fragment is never sent). Set " +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318/v1/traces instead (used as is)",
      ],
    ]);
    // Both: v1/traces lands in the fragment, after the query.
    const both = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/base?x=1#f" });
    assert.deepEqual(both.processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_QUERY",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/base?x=1#***" has a query and a fragment, but the ' +
          "exporter appends v1/traces to the text as written, so spans are sent to http://c:4318/base?x=1 (a " +
          "fragment is never sent). Set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/base/v1/traces?x=1 " +
          "instead (used as is)",
      ],
    ]);
    // An empty query ("?" alone: `search` is empty too) is still a query: the text is cut there.
    const empty = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/base?" });
    assert.match(empty.processWarnings[0]![1], /"http:\/\/c:4318\/base\?" has a query, but/);
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT ending with whitespace the exporter keeps: v1/traces lands after it; the warning says where spans go", async () => {
    const { processWarnings, result } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://user:s3cret@c:4318 ",
    });
    // "http://user:s3cret@c:4318 /v1/traces" is no URL: the exporter falls back to its default.
    assert.equal(result.config.otlp?.destination, "http://localhost:4318/v1/traces");
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_WHITESPACE",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@c:4318 " ends with whitespace, which the ' +
          'exporter keeps when it appends v1/traces ("http://user:***@c:4318 /v1/traces"): that is no URL, so ' +
          "the exporter ignores it and sends spans to its default, http://localhost:4318/v1/traces. Remove " +
          "the whitespace",
      ],
    ]);
    // In the path, the space is sent, percent-encoded.
    const inPath = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp " });
    assert.deepEqual(inPath.processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_WHITESPACE",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/otlp " ends with whitespace, which the ' +
          'exporter keeps when it appends v1/traces ("http://c:4318/otlp /v1/traces"), so spans are sent to ' +
          "http://c:4318/otlp%20/v1/traces. Remove the whitespace",
      ],
    ]);
    // A tab after a "/": the exporter appends "/v1/traces" (the text does not end with "/"), the parser
    // drops the tab, and the path has "//".
    const tab = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/\t" });
    assert.deepEqual(tab.processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_WHITESPACE",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/\\t" ends with whitespace, which the ' +
          'exporter keeps when it appends v1/traces ("http://c:4318/\\t/v1/traces"), so spans are sent to ' +
          "http://c:4318//v1/traces. Remove the whitespace",
      ],
    ]);
    // A leading space the URL parser strips is no harm, and not said.
    const leading = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: " http://c:4318" });
    assert.deepEqual(leading.processWarnings, []);
    assert.equal(leading.result.config.otlp?.destination, "http://c:4318/v1/traces");
    // A line break or tab the parser drops without a word (a CRLF .env file, a value read from a file):
    // said, for either endpoint variable, as what it is. At the end (or the start), the URL requested is
    // the one meant (was: "not to the URL as written"); inside, it is the text without it.
    const edge = (name: string, quoted: string, destination: string, where = "ends with") =>
      `tracehop: ${name}=${quoted} ${where} a line break or tab, which the URL parser drops without a word, ` +
      `so spans are sent to ${destination}, as meant; a program that reads the variable without dropping it ` +
      "gets another value. Remove it (a .env file with CRLF line ends, or a value read from a file with its " +
      "line break)";
    const inside = (name: string, quoted: string, destination: string) =>
      `tracehop: ${name}=${quoted} holds a line break or tab inside, which the URL parser drops without a ` +
      `word, so spans are sent to ${destination}, the text without it, which may not be the URL meant. ` +
      "Remove it (a value pasted over two lines, or a tab typed into it)";
    const base = "OTEL_EXPORTER_OTLP_ENDPOINT";
    const traces = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    const lineBreaks: [Record<string, string>, string, string][] = [
      [
        { [base]: "http://c:4318\n" },
        edge(base, '"http://c:4318\\n"', "http://c:4318/v1/traces"),
        "http://c:4318/v1/traces",
      ],
      [
        { [base]: "http://c:4318\r" },
        edge(base, '"http://c:4318\\r"', "http://c:4318/v1/traces"),
        "http://c:4318/v1/traces",
      ],
      [
        { [base]: "http://c:4318\t" },
        edge(base, '"http://c:4318\\t"', "http://c:4318/v1/traces"),
        "http://c:4318/v1/traces",
      ],
      [
        { [base]: "http://c:4318/otlp\r\n" },
        edge(base, '"http://c:4318/otlp\\r\\n"', "http://c:4318/otlp/v1/traces"),
        "http://c:4318/otlp/v1/traces",
      ],
      [
        { [base]: "\thttp://c:4318" },
        edge(base, '"\\thttp://c:4318"', "http://c:4318/v1/traces", "starts with"),
        "http://c:4318/v1/traces",
      ],
      [
        { [traces]: "http://user:s3cret@c:4318/v1/traces\r\n" },
        edge(traces, '"http://user:***@c:4318/v1/traces\\r\\n"', "http://user:***@c:4318/v1/traces"),
        "http://user:s3cret@c:4318/v1/traces",
      ],
      [
        { [base]: "http://c:43\t18" },
        inside(base, '"http://c:43\\t18"', "http://c:4318/v1/traces"),
        "http://c:4318/v1/traces",
      ],
      [
        { [base]: "http://c:4318/ot\nlp\r" },
        inside(base, '"http://c:4318/ot\\nlp\\r"', "http://c:4318/otlp/v1/traces"),
        "http://c:4318/otlp/v1/traces",
      ],
      [
        { [traces]: "http://c:4318/v1/\rtraces" },
        inside(traces, '"http://c:4318/v1/\\rtraces"', "http://c:4318/v1/traces"),
        "http://c:4318/v1/traces",
      ],
    ];
    for (const [vars, message, destination] of lineBreaks) {
      const told = await warningsOf(vars);
      assert.deepEqual(told.processWarnings, [["TRACEHOP_OTLP_ENDPOINT_WHITESPACE", message]], message);
      assert.equal(told.result.config.otlp?.destination, destination, message);
    }
    // A trailing space in the traces endpoint, used as is: the URL parser strips it (no harm, not said).
    const tracesSpace = await warningsOf({ [traces]: "http://c:4318/v1/traces " });
    assert.deepEqual(tracesSpace.processWarnings, []);
    assert.equal(tracesSpace.result.config.otlp?.destination, "http://c:4318/v1/traces");
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT ending with /v1/traces: the exporter appends it again; the warning gives both fixes", async () => {
    const { processWarnings, result } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces",
    });
    assert.equal(result.config.otlp?.destination, "http://c:4318/v1/traces/v1/traces");
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_TRACES_PATH",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/v1/traces" already ends with /v1/traces, ' +
          "but it is a base URL the exporter appends v1/traces to (OpenTelemetry specification), so spans " +
          "are sent to http://c:4318/v1/traces/v1/traces, which a Collector answers 404. Drop the suffix " +
          "(OTEL_EXPORTER_OTLP_ENDPOINT=http://c:4318), or set " +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/v1/traces instead (used as is)",
      ],
    ]);
    // A password is masked wherever the warning shows the endpoint.
    const secret = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://user:s3cret@c:4318/v1/traces" });
    assert.equal(secret.processWarnings.length, 1);
    assert.doesNotMatch(secret.processWarnings[0]![1], /s3cret/);
    assert.match(
      secret.processWarnings[0]![1],
      /^tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="https:\/\/user:\*\*\*@c:4318\/v1\/traces" already ends/,
    );
    // With a trailing "/": the suggested traces endpoint has none (a Collector answers 404 to ".../v1/traces/").
    const slash = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces/" });
    assert.match(
      slash.processWarnings[0]![1],
      /or set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http:\/\/c:4318\/v1\/traces instead/,
    );
    // Not when the base URL is not what is used, nor for a base URL without the suffix.
    for (const vars of <Record<string, string>[]>[
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces",
      },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp" },
    ])
      assert.deepEqual((await warningsOf(vars)).processWarnings, []);
    assert.deepEqual(
      (
        await warningsOf(
          { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces" },
          { otlpEndpoint: "http://c:4318" },
        )
      ).processWarnings,
      [],
    );
  });
});

describe("a URL the exporter requests, shown in a warning, is cut past 1024 characters as the value written is", () => {
  test("each OTLP endpoint warning that names a parsed URL (a 5000-character path)", async () => {
    const path = `/${"p".repeat(5000)}`;
    const cases: Record<string, string>[] = [
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://c:4318${path}/v1/traces` },
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://c:4318${path}?k=v` },
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://c:4318${path} ` },
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://c:4318${path}\n` },
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://c:4318${path}`, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "c:4318" },
    ];
    for (const vars of cases) {
      const told = await warningsOf(vars);
      const [[, message] = ["", ""]] = told.processWarnings;
      assert.ok(message.startsWith("tracehop: "), JSON.stringify(told.processWarnings).slice(0, 200));
      // Every URL in it, written or parsed, is cut: no run of the path longer than the limit.
      const longest = Math.max(...(message.match(/p+/g) ?? [""]).map((run) => run.length));
      assert.ok(longest <= 1024, `${Object.keys(vars).join(",")}: a run of ${longest} characters`);
      assert.ok(message.length < 6000, `${message.length} characters`);
      assert.match(message, /… \(\d+ characters\)/);
    }
  });
});
