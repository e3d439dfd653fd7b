import { fileErrorText, quoteLocation, quoteWritten, showLocation } from "../describe-value.js";
import { getStringFromEnv } from "@opentelemetry/core";
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { isBaggageToken } from "../propagation/w3c/baggage.js";
import { warnSetting } from "../warn-once.js";
import { maskUrl } from "./mask-url.js";
import { describe, isTimerMillis, MAX_TIMER_MILLIS, optionalMillis } from "./option-checks.js";
import type { StartTracingOptions, TracingConfig } from "./tracing-config.js";

/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL other than http/json. */
const UNSUPPORTED_OTLP_PROTOCOL_WARNING = "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL";

/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT that is not a positive number. */
const BAD_EXPORT_TIMEOUT_WARNING = "TRACEHOP_BAD_EXPORT_TIMEOUT";

/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_HEADERS entry the OTLP exporter drops
 * (not `name=value`, an empty name or value, a bad `%` escape).
 */
const BAD_OTLP_HEADERS_WARNING = "TRACEHOP_BAD_OTLP_HEADERS";

/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION other than gzip or none. */
const BAD_OTLP_COMPRESSION_WARNING = "TRACEHOP_BAD_OTLP_COMPRESSION";

/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE, _CLIENT_KEY or
 * _CLIENT_CERTIFICATE naming a file that cannot be read.
 */
const UNREADABLE_OTLP_TLS_FILE_WARNING = "TRACEHOP_UNREADABLE_OTLP_TLS_FILE";

/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP_ENDPOINT whose path already ends with
 * `/v1/traces` (the exporter appends it again).
 */
const OTLP_ENDPOINT_TRACES_PATH_WARNING = "TRACEHOP_OTLP_ENDPOINT_TRACES_PATH";

/**
 * Timeout of one OTLP/HTTP request in milliseconds when neither `exportTimeoutMillis` nor
 * OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT is set (the OTLP exporter specification's default).
 */
const DEFAULT_EXPORT_TIMEOUT_MILLIS = 10_000;

/** Path of the traces signal appended to a base endpoint (OTLP/HTTP specification, "OTLP/HTTP Request"). */
const OTLP_TRACES_PATH = "/v1/traces";

function otlpEnabledByEnv(exporters: readonly string[]): boolean {
  if (exporters.includes("none")) return false;
  if (exporters.includes("otlp")) return true;
  if (exporters.length > 0) return false;
  return endpointEnv(TRACES_ENDPOINT_ENV) !== undefined || endpointEnv(BASE_ENDPOINT_ENV) !== undefined;
}

/** The traces endpoint variable, used as is (OpenTelemetry specification, "Endpoint URLs for OTLP/HTTP"). */
const TRACES_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

/** The base endpoint variable, `v1/traces` appended, used when the traces one is not. */
const BASE_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT";

/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT that is no http(s) URL. */
const BAD_OTLP_ENDPOINT_WARNING = "TRACEHOP_BAD_OTLP_ENDPOINT";

/**
 * The endpoint variable `name`, unless it is no http(s) URL ({@link endpointProblem}): such a setting
 * is ignored, as if it were unset (an environment setting never stops a service from starting;
 * {@link warnBadEndpointEnv} says so). Everything that reads the endpoint variables reads them
 * through this, so that the URL, the destination in messages and whether OTLP is on agree.
 */
function endpointEnv(name: typeof TRACES_ENDPOINT_ENV | typeof BASE_ENDPOINT_ENV): string | undefined {
  const value = getStringFromEnv(name);
  return value !== undefined && endpointFault(value) === undefined ? value : undefined;
}

/**
 * The endpoint variables the exporter would read that are no http(s) URL, each said once
 * (`warnSetting`, `TRACEHOP_BAD_OTLP_ENDPOINT`: the variable, its value with secrets masked, the fix,
 * and what applies instead) and ignored ({@link endpointEnv}). Only those it would read:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT when set, and OTEL_EXPORTER_OTLP_ENDPOINT unless a usable traces
 * one overrides it (otlp-exporter-base reads the general one only when the traces one is unset; a
 * bad one ignored counts as unset). Returns whether one was ignored: the exporter must then be given
 * the URL, or it would read the bad one itself. `on`: whether OTLP export is on once they are ignored,
 * for the message, with `spansFile` (the option: `false`, no spans file).
 */
function warnBadEndpointEnv(on: boolean, spansFile: StartTracingOptions["spansFile"]): boolean {
  const bad: { name: string; value: string; problem: string; fix: string }[] = [];
  for (const name of [TRACES_ENDPOINT_ENV, BASE_ENDPOINT_ENV] as const) {
    const value = getStringFromEnv(name);
    if (value === undefined) continue;
    const found = endpointEnvProblem(name, value);
    if (found === undefined) break;
    bad.push({ name, value, ...found });
  }
  const base = bad.find(({ name }) => name === BASE_ENDPOINT_ENV)
    ? undefined
    : endpointEnv(BASE_ENDPOINT_ENV);
  for (const { name, value, problem, fix } of bad) {
    const instead = !on
      ? `OTLP export is off, as with no endpoint set (${spansFile === false ? "no span is exported at all" : "spans go to the spans file only"})`
      : name === TRACES_ENDPOINT_ENV && base !== undefined
        ? `${BASE_ENDPOINT_ENV} applies: spans are sent to ${showLocation(maskUrl(otlpUrlFromEnv()))}`
        : `spans are sent to the default, ${showLocation(otlpUrlFromEnv())}`;
    warnSetting(
      `tracehop: ${name}=${quoteLocation(maskUrl(value))} ${problem}; ignored, as if it were unset: ${instead}. ${fix}`,
      BAD_OTLP_ENDPOINT_WARNING,
    );
  }
  return bad.length > 0;
}

/** The OTLP exporter's traces URL when the environment gives none it can parse. */
const DEFAULT_TRACES_URL = `http://localhost:4318${OTLP_TRACES_PATH}`;

/**
 * The traces URL the OTLP exporter requests with the environment's settings, as {@link requestedUrl}
 * makes it. The rule is the OTLP exporter specification's ("OpenTelemetry Protocol Exporter",
 * "Endpoint URLs for OTLP/HTTP"): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; else
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base URL with `v1/traces` appended relative to it; else
 * `http://localhost:4318/v1/traces`. As @opentelemetry/otlp-exporter-base applies it
 * (`getNodeHttpConfigurationFromEnvironment`): a traces endpoint only when it parses as a URL, the base
 * endpoint as written (not trimmed) with `/` and `v1/traces` appended, when that parses. So a base
 * endpoint with a trailing space (`"http://c:4318 "`, then `"http://c:4318 /v1/traces"`, no URL) sends
 * to the default. The exporter exposes its URL only through `convertLegacyHttpOptions`
 * (`@opentelemetry/otlp-exporter-base/node-http`), deprecated, which also reads the TLS files and says
 * the bad headers of the environment again: hence this copy, checked against the URL the real exporter
 * requests (test/tracing/otlp-url.test.ts).
 */
function otlpUrlFromEnv(): string {
  const traces = endpointEnv(TRACES_ENDPOINT_ENV);
  if (traces !== undefined && URL.canParse(traces)) return requestedUrl(traces);
  const base = endpointEnv(BASE_ENDPOINT_ENV);
  const appended = base === undefined ? undefined : withTracesPath(base);
  return requestedUrl(appended !== undefined && URL.canParse(appended) ? appended : DEFAULT_TRACES_URL);
}

/**
 * The base endpoint `base` (OTEL_EXPORTER_OTLP_ENDPOINT) with `v1/traces` appended after one `/`, as
 * written (not trimmed): the specification's "Endpoint URLs for OTLP/HTTP" rule for a base URL, as the
 * exporter applies it (@opentelemetry/otlp-exporter-base, `appendResourcePathToUrl`: to the text, so
 * after a query too).
 */
function withTracesPath(base: string): string {
  return `${base}${base.endsWith("/") ? "" : "/"}${OTLP_TRACES_PATH.slice(1)}`;
}

/**
 * The URL a POST to the exporter's `url` goes to, for messages: as `URL` parses it (scheme and host in
 * lower case, a default port dropped, dot segments resolved, a space percent-encoded), without its
 * fragment, which is never sent (otlp-exporter-base's `sendWithHttp` gives Node's request the parsed
 * URL, whose path and query alone are sent). Throws only on a `url` that is no URL.
 */
function requestedUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = "";
  return parsed.href;
}

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT, trimmed, when it gives the traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * is not set; resolveOtlp asks only when `otlpEndpoint` is not given either), else `undefined`. Checked
 * as an http(s) URL by {@link endpointEnv} before.
 */
function baseEndpointInUse(): string | undefined {
  if (endpointEnv(TRACES_ENDPOINT_ENV) !== undefined) return undefined;
  return endpointEnv(BASE_ENDPOINT_ENV)?.trim();
}

/**
 * The `TRACEHOP_OTLP_ENDPOINT_TRACES_PATH` warning: `base` is OTEL_EXPORTER_OTLP_ENDPOINT, trimmed, when
 * it gives the traces URL ({@link baseEndpointInUse}: neither `otlpEndpoint` nor
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set), an http(s) URL ({@link endpointEnv}) with no query
 * or fragment (resolveOtlp asks {@link checkBaseEndpointQuery} first). It is a base URL: the exporter
 * always appends `v1/traces` (OpenTelemetry specification, "OTLP Exporter Configuration", Endpoint URLs
 * for OTLP/HTTP; as @opentelemetry/otlp-exporter-base does). Warned when its path as `URL` parses it
 * (dot segments resolved; case and percent-encoding kept: `/V1/traces` or `/v1%2Ftraces` does not
 * count), without trailing `/`s, ends with `/v1/traces` (`http://c:4318/v1/traces`,
 * `http://c:4318/otlp/v1/traces/`): the exporter posts to `…/v1/traces/v1/traces`, a 404 from a
 * Collector. The warning (`warnSetting`: once per message, secrets masked) names
 * the URL spans are sent to and both fixes: OTEL_EXPORTER_OTLP_ENDPOINT without that suffix and its
 * trailing `/` (`http://c:4318`), or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set to it plus `/v1/traces`
 * (used as is). The URL stays as the specification makes it. Throws only on a `base` that is no URL,
 * which endpointEnv left out before.
 */
function checkBaseEndpointPath(base: string): void {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith(OTLP_TRACES_PATH)) return;
  url.pathname = path.slice(0, -OTLP_TRACES_PATH.length) || "/";
  const baseUrl = url.href.replace(/\/$/, "");
  warnSetting(
    `tracehop: OTEL_EXPORTER_OTLP_ENDPOINT=${quoteLocation(maskUrl(base))} already ends with ${OTLP_TRACES_PATH}, but it is a ` +
      `base URL the exporter appends ${OTLP_TRACES_PATH.slice(1)} to (OpenTelemetry specification), so ` +
      `spans are sent to ${showLocation(maskUrl(otlpUrlFromEnv()))}, which a Collector answers 404. Drop the suffix ` +
      `(OTEL_EXPORTER_OTLP_ENDPOINT=${showLocation(maskUrl(baseUrl))}), or set ` +
      `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${showLocation(maskUrl(baseUrl + OTLP_TRACES_PATH))} ` +
      `instead (used as is${secretsNote(base)})`,
    OTLP_ENDPOINT_TRACES_PATH_WARNING,
  );
}

/** Process warning code of an OTLP base endpoint ending with whitespace the exporter keeps. */
const OTLP_ENDPOINT_WHITESPACE_WARNING = "TRACEHOP_OTLP_ENDPOINT_WHITESPACE";

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT, when it gives the traces URL, ending with whitespace that changes the URL
 * requested: the exporter appends `/v1/traces` to the text as written, not trimmed
 * (@opentelemetry/otlp-exporter-base, `appendResourcePathToUrl`), so the whitespace lands before the
 * path. After the host (`"http://c:4318 "`) that is no URL, and the exporter sends to its default,
 * `http://localhost:4318/v1/traces`; in the path (`"http://c:4318/otlp "`) it is sent, percent-encoded
 * (`/otlp%20/v1/traces`). Whitespace the URL parser drops (tab, line breaks) or that it strips (at the
 * start) changes nothing and is not warned. Said once with the URL requested, secrets masked, the
 * endpoint quoted as a JSON string (a tab shown as `\t`). Returns whether it warned.
 */
function checkBaseEndpointWhitespace(): boolean {
  if (endpointEnv(TRACES_ENDPOINT_ENV) !== undefined) return false;
  const raw = endpointEnv(BASE_ENDPOINT_ENV);
  if (raw === undefined || raw === raw.trimEnd()) return false;
  const requested = otlpUrlFromEnv();
  const trimmed = raw.trimEnd();
  const meant = withTracesPath(trimmed);
  if (URL.canParse(meant) && requestedUrl(meant) === requested) return false;
  const appended = withTracesPath(raw);
  warnSetting(
    `tracehop: OTEL_EXPORTER_OTLP_ENDPOINT=${quoteLocation(maskUrl(raw))} ends with whitespace, which the exporter ` +
      `keeps when it appends ${OTLP_TRACES_PATH.slice(1)} (${quoteLocation(maskUrl(appended))})` +
      (URL.canParse(appended)
        ? `, so spans are sent to ${showLocation(maskUrl(requested))}`
        : `: that is no URL, so the exporter ignores it and sends spans to its default, ${showLocation(requested)}`) +
      `. Remove the whitespace`,
    OTLP_ENDPOINT_WHITESPACE_WARNING,
  );
  return true;
}

/**
 * An ASCII tab or line break (CR, LF): the WHATWG URL parser removes every one, anywhere in the text, and
 * says nothing (URL Standard, "basic URL parser": "remove all ASCII tab or newline from input").
 */
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

/**
 * The endpoint variable in use (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT when it is an http(s) URL, else
 * OTEL_EXPORTER_OTLP_ENDPOINT) holding a tab or line break ({@link LINE_BREAK_OR_TAB}): a `.env` file
 * with CRLF line ends, a value read from a file with its line break. The exporter's URL parser drops it,
 * so the URL requested is not the text written, and nothing says so: said once
 * (`TRACEHOP_OTLP_ENDPOINT_WHITESPACE`, `warnSetting`) with the value quoted (the character escaped,
 * secrets masked) and the URL spans are sent to: at the start or end, the URL meant (the value is still
 * not the one written, for a program that keeps it); inside (`http://c:43\t18`), the text without it,
 * which may not be the URL meant. Whitespace at the end of the base endpoint that the
 * exporter keeps is {@link checkBaseEndpointWhitespace}'s, asked first; a query or a path ending with
 * `/v1/traces` is said beside it. Returns whether it warned.
 */
function checkEndpointLineBreaks(): boolean {
  const name = endpointEnv(TRACES_ENDPOINT_ENV) !== undefined ? TRACES_ENDPOINT_ENV : BASE_ENDPOINT_ENV;
  const raw = endpointEnv(name);
  if (raw === undefined || !LINE_BREAK_OR_TAB.test(raw)) return false;
  const said = `tracehop: ${name}=${quoteLocation(maskUrl(raw))}`;
  const sentTo = `so spans are sent to ${showLocation(maskUrl(otlpUrlFromEnv()))}`;
  if (LINE_BREAK_OR_TAB.test(raw.trim())) {
    warnSetting(
      `${said} holds a line break or tab inside, which the URL parser drops without a word, ${sentTo}, the text ` +
        "without it, which may not be the URL meant. Remove it (a value pasted over two lines, or a tab typed into it)",
      OTLP_ENDPOINT_WHITESPACE_WARNING,
    );
    return true;
  }
  // Only at an end, among blanks the parser strips or the exporter keeps (the latter said first, by
  // checkBaseEndpointWhitespace): the URL requested is the one meant.
  const starts = raw !== raw.trimStart();
  const ends = raw !== raw.trimEnd();
  warnSetting(
    `${said} ${starts ? (ends ? "starts and ends" : "starts") : "ends"} with a line break or tab, which the URL ` +
      `parser drops without a word, ${sentTo}, as meant; a program that reads the variable without dropping it ` +
      "gets another value. Remove it (a .env file with CRLF line ends, or a value read from a file with its line break)",
    OTLP_ENDPOINT_WHITESPACE_WARNING,
  );
  return true;
}

/** Process warning code of an OTLP base endpoint with a query or a fragment. */
const OTLP_ENDPOINT_QUERY_WARNING = "TRACEHOP_OTLP_ENDPOINT_QUERY";

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT (`base`: {@link baseEndpointInUse}) with a query or a fragment
 * (`http://c:4318/?api_key=...`): the exporter appends `v1/traces` to the text as written
 * (@opentelemetry/otlp-exporter-base, `appendResourcePathToUrl`), so the path lands in the query
 * (`/?api_key=.../v1/traces`, a request to `/` that a Collector answers 404) or in the fragment, which is
 * never sent (Node's request takes the URL's path and query only). A query is a `?` before any `#` (the
 * parsed URL's `search`, or a lone `?`, whose `search` is empty too); a `?` after the `#` is the
 * fragment's. Said once, with the URL requested (without its fragment) and the traces endpoint to set
 * instead, whose URL is used as is (OpenTelemetry specification, "Endpoint URLs for OTLP/HTTP"): the base
 * path (without a `/v1/traces` already there), then `/v1/traces`, then the query. Secrets masked. Returns
 * whether it warned (an empty `?` or `#` counts: the text is still cut there).
 */
function checkBaseEndpointQuery(base: string): boolean {
  if (!/[?#]/.test(base)) return false;
  const fixed = new URL(base);
  const hasQuery = fixed.search !== "" || base.split("#", 1)[0]!.includes("?");
  const hasFragment = base.includes("#");
  const path = fixed.pathname.replace(/\/+$/, "");
  fixed.pathname =
    (path.endsWith(OTLP_TRACES_PATH) ? path.slice(0, -OTLP_TRACES_PATH.length) : path) + OTLP_TRACES_PATH;
  fixed.hash = "";
  if (fixed.search === "") fixed.search = ""; // an empty "?" is dropped from the fix
  warnSetting(
    `tracehop: OTEL_EXPORTER_OTLP_ENDPOINT=${quoteLocation(maskUrl(base))} has ` +
      `${hasQuery ? (hasFragment ? "a query and a fragment" : "a query") : "a fragment"}, but the exporter ` +
      `appends ${OTLP_TRACES_PATH.slice(1)} to the text as written, so spans are sent to ` +
      `${showLocation(maskUrl(otlpUrlFromEnv()))}${hasFragment ? " (a fragment is never sent)" : ""}. Set ` +
      `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${showLocation(maskUrl(fixed.href))} instead (used as is${secretsNote(fixed.href)})`,
    OTLP_ENDPOINT_QUERY_WARNING,
  );
  return true;
}

/**
 * Entries of OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS that the OTLP exporter
 * drops without a word (@opentelemetry/core `parseKeyPairsIntoRecord`, as otlp-exporter-base reads
 * them): comma-separated `name=value` entries (OpenTelemetry specification, "Specifying headers via
 * environment variables"), each dropped when it has no `=` or nothing before it, an empty name or
 * value once trimmed, or a `%` that does not start a valid escape. A header such as an API key would be
 * missing from every request (the collector answers 401 or 403). The warning names the entry by its
 * position and name (quoted as a written setting is, a name past 64 characters cut with its length),
 * never its value (a secret).
 */
function checkHeadersEnv(): void {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"]) {
    const raw = getStringFromEnv(name);
    if (raw === undefined) continue;
    raw.split(",").forEach((entry, index) => {
      if (entry.trim() === "") return;
      const found = headerEntryProblem(entry);
      if (found === undefined) return;
      const { problem, shownName, fails } = found;
      warnSetting(
        `tracehop: ${name} entry ${index + 1} (${shownName === undefined ? "name not shown" : quoteWritten(shownName, MAX_SHOWN_HEADER_NAME)}; ` +
          `value not shown) ${problem}: ` +
          (fails
            ? "Node refuses it, so every export request fails and no span reaches the collector. "
            : "the OTLP exporter drops it, so its requests are sent without that header. ") +
          `Write each header as name=value, separated by commas (a "," "=" ";" or "%" in a value ` +
          `percent-encoded: %2C, %3D, %3B, %25)`,
        BAD_OTLP_HEADERS_WARNING,
      );
    });
  }
}

/**
 * Longest header name a TRACEHOP_BAD_OTLP_HEADERS warning quotes whole (longer ones cut, with their
 * length): as the header field warnings quote a field name.
 */
const MAX_SHOWN_HEADER_NAME = 64;

/**
 * Why the OTLP exporter drops or mangles `entry` (one OTEL_EXPORTER_OTLP_*HEADERS entry), or
 * `undefined`; `shownName`: the entry's name, only when it is a name (an HTTP token before an `=`): an
 * entry without one may be a pasted secret alone, and its text is never shown; `fails`: the exporter
 * sends it and Node refuses the request (a name that is no HTTP token: "Header name must be a valid
 * HTTP token").
 */
function headerEntryProblem(
  entry: string,
): { problem: string; shownName?: string; fails?: boolean } | undefined {
  // @opentelemetry/core parsePairKeyValue: a ";" starts metadata, which is not part of the value.
  const semicolon = entry.indexOf(";");
  const pair = semicolon === -1 ? entry : entry.slice(0, semicolon);
  const separator = pair.indexOf("=");
  if (separator === -1) return { problem: 'is not name=value (it has no "=")' };
  const key = pair.slice(0, separator).trim();
  const value = pair.slice(separator + 1).trim();
  if (key === "") return { problem: 'has no name before its "="' };
  let name: string;
  try {
    name = decodeURIComponent(key);
    decodeURIComponent(value);
  } catch {
    return {
      problem: 'is not valid percent-encoding (a "%" must start a %XX escape of UTF-8; a literal "%" is %25)',
      shownName: isBaggageToken(key) ? key : undefined,
    };
  }
  // The name travels as an HTTP field name: an RFC 7230 token, as a baggage key is.
  if (!isBaggageToken(name))
    return {
      problem: "has a name that is no HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)",
      fails: true,
    };
  const shownName = name;
  if (value === "") return { problem: "has an empty value", shownName };
  if (semicolon !== -1)
    return { problem: 'has a ";" in it: the exporter sends only what precedes it as the value', shownName };
  return undefined;
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, else OTEL_EXPORTER_OTLP_COMPRESSION: the exporter takes
 * `gzip` or `none` only, as written (lower case, trimmed: otlp-exporter-base
 * `parseAndValidateCompressionFromEnv`); another value is ignored, said only through `diag.warn`, and
 * the other variable applies, else no compression. OTEL_EXPORTER_OTLP_COMPRESSION is not warned about
 * when a valid OTEL_EXPORTER_OTLP_TRACES_COMPRESSION overrides it (`getCompressionFromEnv`).
 */
function checkCompressionEnv(): void {
  const names = ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"];
  const values = names.map((name) => getStringFromEnv(name)?.trim());
  const valid = (value: string | undefined) => value === "gzip" || value === "none";
  const applies = values.findIndex(valid);
  names.forEach((name, index) => {
    const value = values[index];
    // A valid one before it overrides it: the exporter never uses it, whatever it says.
    if (value === undefined || valid(value) || (applies !== -1 && applies < index)) return;
    const instead =
      applies === -1 ? "bodies are sent uncompressed" : `${names[applies]}=${values[applies]} applies`;
    warnSetting(
      `tracehop: ${name}=${quoteWritten(value)} is not a compression the OTLP exporter knows (gzip or none, in lower ` +
        `case); ignored: ${instead}. Set it to gzip or none, or unset it`,
      BAD_OTLP_COMPRESSION_WARNING,
    );
  });
}

/**
 * The TLS files of the OTLP exporter: OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE (the collector's CA),
 * _CLIENT_KEY and _CLIENT_CERTIFICATE (mTLS), the _TRACES_ one when set, else the other
 * (otlp-exporter-base `readFileFromEnv`: a path relative to the working directory). A file it cannot
 * read is dropped, said only through `diag.warn` without the path: the CA check then uses Node's
 * default CAs (a private CA's collector is refused), no client certificate is sent.
 */
function checkTlsFilesEnv(): void {
  const files = [
    ["CERTIFICATE", "the collector's certificate is checked against Node's default CAs instead"],
    ["CLIENT_KEY", "no client certificate is sent (mTLS)"],
    ["CLIENT_CERTIFICATE", "no client certificate is sent (mTLS)"],
  ] as const;
  for (const [suffix, instead] of files) {
    const traces = `OTEL_EXPORTER_OTLP_TRACES_${suffix}`;
    const name = getStringFromEnv(traces) !== undefined ? traces : `OTEL_EXPORTER_OTLP_${suffix}`;
    const path = getStringFromEnv(name);
    if (path === undefined) continue;
    try {
      readFileSync(resolvePath(process.cwd(), path));
    } catch (error) {
      warnSetting(
        `tracehop: ${name}=${quoteLocation(path)} cannot be read (${fileErrorText(error)}); the OTLP ` +
          `exporter ignores it: ${instead}. Set it to the path of a readable PEM file, or unset it`,
        UNREADABLE_OTLP_TLS_FILE_WARNING,
      );
    }
  }
}

/**
 * @opentelemetry/exporter-trace-otlp-http speaks OTLP/HTTP with JSON bodies only. The protocol is an
 * enum value, read case-insensitively (`HTTP/JSON` is http/json).
 */
function checkProtocolEnv(): void {
  const tracesProtocol = getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  const name =
    tracesProtocol !== undefined ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = tracesProtocol ?? getStringFromEnv(name);
  const lowerProtocol = protocol?.toLowerCase();
  if (protocol === undefined || lowerProtocol === "http/json") return;
  warnSetting(
    `tracehop: ${name}=${quoteWritten(protocol)} is not supported by startTracing, which sends OTLP/HTTP with JSON ` +
      `bodies (http/json) instead` +
      (lowerProtocol === "grpc"
        ? ` to the same endpoint: an OTLP/gRPC port (4317) refuses it, every Collector OTLP/HTTP receiver ` +
          `(port 4318) accepts it`
        : ``) +
      `; set ${name}=http/json or unset it`,
    UNSUPPORTED_OTLP_PROTOCOL_WARNING,
  );
}

/**
 * The OTLP export timeout in milliseconds from OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else
 * OTEL_EXPORTER_OTLP_TIMEOUT, else the default; a value that is not a number of milliseconds from 1
 * to {@link MAX_TIMER_MILLIS} (the range of options.exportTimeoutMillis) is ignored with a warning.
 */
function exportTimeoutFromEnv(): number {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]) {
    const raw = getStringFromEnv(name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (isTimerMillis(value, 1)) return value;
    warnSetting(
      `tracehop: ${name}=${quoteWritten(raw)} is not a number of milliseconds from 1 to ${MAX_TIMER_MILLIS} (Node's ` +
        `timer limit); ignored (the next setting or the default, ${DEFAULT_EXPORT_TIMEOUT_MILLIS} ms, applies)`,
      BAD_EXPORT_TIMEOUT_WARNING,
    );
  }
  return DEFAULT_EXPORT_TIMEOUT_MILLIS;
}

/**
 * What an endpoint `value` is when it is no http(s) URL (leading and trailing whitespace aside):
 * `blank`, `noUrl` (it does not parse), `noScheme` (a host and port without a scheme, which parses
 * as a URL whose scheme is the host: `collector:4318`, `user:pw@collector:4318`, `//c:4318`; `host` is
 * the value trimmed, without its leading slashes) or `scheme` (another scheme: `grpc:`, `ftp:`); `grpc`
 * when its scheme or its port, 4317, says OTLP/gRPC. `undefined` for an http(s) URL.
 */
function endpointFault(
  value: unknown,
):
  | { kind: "blank" | "noUrl" }
  | { kind: "noScheme"; host: string; grpc: boolean }
  | { kind: "scheme"; scheme: string; grpc: boolean }
  | undefined {
  if (typeof value !== "string" || value.trim() === "") return { kind: "blank" };
  const trimmed = value.trim();
  const url = URL.canParse(trimmed) ? new URL(trimmed) : undefined;
  if (url?.protocol === "http:" || url?.protocol === "https:") return undefined;
  // A host (a name, an IPv4 address, an [IPv6] one) and port without "scheme://", after a user part or not
  // (up to the last "@": a password may hold anything) and before a path, a query or a fragment or not:
  // "localhost:4318" parses as a URL whose scheme is "localhost:", "user:pw@c:4318" as one whose scheme is
  // "user:", "127.0.0.1:4318" and "tok@c:4318" as none.
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(trimmed) && NO_SCHEME.test(trimmed))
    return { kind: "noScheme", host: trimmed.replace(/^[/\\]+/, ""), grpc: /:4317(\/|$)/.test(trimmed) };
  if (url === undefined) return { kind: "noUrl" };
  return {
    kind: "scheme",
    scheme: url.protocol,
    grpc: /^grpcs?:$/.test(url.protocol) || url.port === "4317",
  };
}

/**
 * `url` masked ({@link maskUrl}) for a fix to copy, quoted as a written URL is ({@link quoteLocation}:
 * a control or bidirectional character escaped), with a note when something was masked: the `***`
 * stands for the secret as written, not text to paste; `inSentence`: the note after a comma, for a fix
 * already in parentheses, else in parentheses.
 */
function withSecretsNote(url: string, inSentence = false): string {
  const masked = maskUrl(url);
  const shown = quoteLocation(masked);
  if (masked === url) return shown;
  return inSentence ? `${shown}, ${SECRETS_NOTE}` : `${shown} (${SECRETS_NOTE})`;
}

/**
 * The note for a fix built from `url` to copy, when it shows a `***` ({@link maskUrl}): `"; *** being
 * the secret you wrote"`, else `""`.
 */
function secretsNote(url: string): string {
  return maskUrl(url) === url ? "" : `; ${SECRETS_NOTE}`;
}

/** What a `***` in a fix to copy stands for ({@link withSecretsNote}, {@link secretsNote}). */
const SECRETS_NOTE = "*** being the secret you wrote";

/** A host and port without a scheme, for {@link endpointFault}. */
const NO_SCHEME = /^(?:.*@)?(?:\[[\da-f:.]+\]|[^\s/\\?#@:[\]]+):\d+(?:[/?#].*)?$/is;

/** The note of a host and port without a scheme on 4317, OTLP/gRPC's port. */
const GRPC_PORT_NOTE = "4317 is OTLP/gRPC's port, tracehop exports OTLP over HTTP (usually 4318)";

/**
 * What is wrong with the `otlpEndpoint` option `value` (`what`), for the rest of a sentence that
 * starts with it (`must be an http(s) URL ...`), or `undefined` for an http(s) URL. The value is
 * trimmed first (leading and trailing whitespace, line breaks and tabs too, as {@link tracesUrl} does):
 * a line break or tab left inside it is a problem, which the URL parser would drop without a word (URL
 * Standard, "basic URL parser"). The value is shown with its secrets masked.
 */
function endpointOptionProblem(value: unknown): string | undefined {
  const fault = endpointFault(value);
  const shown = typeof value === "string" ? quoteLocation(maskUrl(value)) : describe(value);
  if (fault === undefined)
    // Inside the URL only: the leading and trailing whitespace is trimmed (tracesUrl), line breaks too.
    return typeof value === "string" && LINE_BREAK_OR_TAB.test(value.trim())
      ? "holds a line break or tab, which the URL parser drops without a word, so the endpoint used would " +
          `not be the one written: got ${shown}; remove it`
      : undefined;
  switch (fault.kind) {
    case "blank":
    case "noUrl":
      return `must be an http(s) URL such as "http://127.0.0.1:4318", got ${shown}`;
    case "noScheme":
      return (
        `must be an http(s) URL with its scheme, such as ${withSecretsNote(`http://${fault.host}`)}` +
        `, got ${shown}` +
        (fault.grpc ? `; ${GRPC_PORT_NOTE}` : "")
      );
    case "scheme":
      return `must use http: or https:, got ${quoteWritten(fault.scheme)}; tracehop exports OTLP over HTTP${fault.grpc ? ", not gRPC" : ""}`;
  }
}

/**
 * What is wrong with endpoint variable `name` set to `value`, and its fix, for the warning of
 * {@link warnBadEndpointEnv} (the value itself is quoted before it); `undefined` for an http(s) URL.
 */
function endpointEnvProblem(name: string, value: string): { problem: string; fix: string } | undefined {
  const fault = endpointFault(value);
  if (fault === undefined) return undefined;
  switch (fault.kind) {
    case "blank":
    case "noUrl":
      return {
        problem: "is not a URL",
        fix: `Set it to an http(s) URL such as http://127.0.0.1:4318, or unset it`,
      };
    case "noScheme":
      return {
        problem:
          "has no scheme, so it is no http(s) URL" +
          (fault.grpc
            ? " (and 4317 is OTLP/gRPC's port: tracehop exports OTLP over HTTP, usually to 4318)"
            : ""),
        fix: `Add http:// or https:// (${name}=${withSecretsNote(`http://${fault.host}`, true)})`,
      };
    case "scheme":
      return {
        problem: `uses ${fault.scheme}, not http: or https: (tracehop exports OTLP over HTTP${fault.grpc ? ", not gRPC" : ""})`,
        fix: `Set it to an http(s) URL such as http://127.0.0.1:4318, or unset it`,
      };
  }
}

/**
 * Full traces URL for the `otlpEndpoint` option, `/v1/traces` appended unless its path ends with it;
 * throws a TypeError naming the option unless it is an http(s) URL (a mistake in the code, where the
 * environment's endpoints are ignored with a warning: {@link warnBadEndpointEnv}).
 */
function tracesUrl(what: `options.${string}`, value: unknown): string {
  const problem = endpointOptionProblem(value);
  if (problem !== undefined) throw new TypeError(`tracehop startTracing: ${what} ${problem}`);
  const url = new URL((value as string).trim());
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith(OTLP_TRACES_PATH) ? path : path + OTLP_TRACES_PATH;
  return url.href;
}

/**
 * OTLP/HTTP export, when the `otlpEndpoint` option or the environment asks for it ({@link
 * otlpEnabledByEnv}; `exporters`: OTEL_TRACES_EXPORTER in lower case): the URL given (undefined when the
 * exporter reads OTEL_EXPORTER_OTLP_* itself), the URL spans go to either way, and the timeout of one
 * request, never more than `shutdownTimeoutMillis`. The OTEL_EXPORTER_OTLP_* variables the exporter
 * reads are checked: a bad `otlpEndpoint` throws; a bad endpoint variable is ignored, as if unset, and
 * the rest are used as the exporter uses them, each with a warning.
 */
export function resolveOtlp(
  options: Pick<StartTracingOptions, "otlpEndpoint" | "exportTimeoutMillis" | "spansFile">,
  exporters: readonly string[],
  shutdownTimeoutMillis: number,
): TracingConfig["otlp"] {
  const requested = options.otlpEndpoint !== undefined;
  let url = requested ? tracesUrl("options.otlpEndpoint", options.otlpEndpoint) : undefined;
  const on = requested || otlpEnabledByEnv(exporters);
  // A bad endpoint variable that would be read (OTEL_TRACES_EXPORTER unset or naming otlp) is ignored,
  // as if unset, with a warning, whether OTLP is then on or not.
  const ignored =
    !requested &&
    !exporters.includes("none") &&
    (exporters.length === 0 || exporters.includes("otlp")) &&
    warnBadEndpointEnv(on, options.spansFile);
  if (!on) {
    optionalMillis("exportTimeoutMillis", options.exportTimeoutMillis, 1);
    return undefined;
  }
  if (!requested) {
    // The exporter would read the ignored variable itself: give it the URL that applies instead.
    if (ignored) url = otlpUrlFromEnv();
    // Trailing whitespace first: the exporter may not use the rest at all. A query or fragment next:
    // the path's advice (drop the suffix) would keep the query where it is.
    // A line break or tab the URL parser drops (either endpoint variable) is said beside those: the URL
    // without it may have another fault.
    const base = baseEndpointInUse();
    if (base === undefined) checkEndpointLineBreaks();
    else if (!checkBaseEndpointWhitespace()) {
      checkEndpointLineBreaks();
      if (!checkBaseEndpointQuery(base)) checkBaseEndpointPath(base);
    }
  }
  checkProtocolEnv();
  checkHeadersEnv();
  checkCompressionEnv();
  checkTlsFilesEnv();
  const timeoutMillis =
    optionalMillis("exportTimeoutMillis", options.exportTimeoutMillis, 1) ?? exportTimeoutFromEnv();
  return {
    url,
    destination: url === undefined ? otlpUrlFromEnv() : requestedUrl(url),
    timeoutMillis: Math.min(timeoutMillis, shutdownTimeoutMillis),
  };
}
