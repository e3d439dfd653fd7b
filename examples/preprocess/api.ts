// The api process: accepts documents over HTTP and writes a PreprocessJob and its Outbox row in one
// transaction, both carrying the trace carrier of the request.
import type * as HttpModule from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { parseItem, parseList } from "structured-headers";
import { startProcessTracing, onShutdownSignal, stopOnSignalWhileStarting } from "./tracing.js";
import {
  SERVICE_NAMES,
  EVENT_JOB_REQUESTED,
  MAX_DOCUMENT_BYTES,
  escapedAsUnicode,
  exitForBadInput,
  exitOnBadInput,
  exitOnSettingProblems,
  say,
  setting,
  UNSEEN_IN_A_TERMINAL,
} from "./config.js";

// A signal while starting ends the process at once, saying so (tracing.ts).
stopOnSignalWhileStarting("api");
// Started by hand too: a bad PORT or TRACEHOP_CONNECT_TIMEOUT_MS (its database's) is refused as `npm start`
// refuses it.
exitOnSettingProblems(["PORT", "TRACEHOP_CONNECT_TIMEOUT_MS", "TRACEHOP_SHUTDOWN_TIMEOUT_MS"]);
const tracing = startProcessTracing(SERVICE_NAMES.api, { http: true });

// Loaded through require after tracing starts: the HTTP instrumentation patches the module when it is
// required (an ESM import of a core module does not pass through its hook).
const { createServer } = createRequire(import.meta.url)("node:http") as typeof HttpModule;
const { trace } = await import("@opentelemetry/api");
const { traceCarrierExtension } = await import("tracehop/prisma");
const { checkDatabase, databaseName, openDatabase } = await import("./db.js");
const { databaseErrorCode, databaseFailure, OutageLog, retryTransient } = await import("./transient.js");
const { sentencesOf } = await import("./sentences.js");
const { errorText } = await import("./queue.js");

// Started by hand too: a database that cannot be opened or is not migrated is refused in one line (exit 2),
// as `npm start` refuses it, instead of a 500 to every request; one that goes away later is retried, then
// answered 503, as a busy one is.
await checkDatabase().catch(exitOnBadInput);

// Every PreprocessJob and Outbox row created through `db` stores the carrier of the active context.
const db = (await openDatabase()).$extends(traceCarrierExtension());
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("a request", databaseName(), say);
const tracer = trace.getTracer("tracehop-example");

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A document over {@link MAX_DOCUMENT_BYTES}: 413. */
function tooLarge(): BadRequest {
  return new BadRequest(
    `document too large: the limit is ${MAX_DOCUMENT_BYTES} bytes (${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB): send it as several smaller documents`,
    413,
  );
}

/**
 * Requests whose client holds its body back until told `100 Continue`: those Node's server passes to its
 * `checkContinue` listener, HTTP/1.1 ones with `Expect: 100-continue` (an HTTP/1.0 client is never sent a
 * 1xx answer, RFC 9110 §15.2).
 */
const WAITING_FOR_CONTINUE = new WeakSet<IncomingMessage>();

/**
 * Where a JSON text holds a control character raw where JSON has none: U+0000-U+001F inside a string
 * (RFC 8259 §7: escaped there) or any of them but tab, LF and CR between tokens (§2), or `undefined`.
 * Read on the UTF-8 bytes: an ASCII byte is never part of another character.
 */
function rawControlInJson(json: Buffer): { offset: number; code: number; inString: boolean } | undefined {
  let inString = false;
  for (let offset = 0; offset < json.length; offset++) {
    const code = json[offset]!;
    if (code < 0x20 && (inString || (code !== 0x09 && code !== 0x0a && code !== 0x0d)))
      return { offset, code, inString };
    if (code === 0x22) inString = !inString;
    // A backslash escapes the next byte in a string ("\"", "\\"), unless that byte is itself raw.
    else if (inString && code === 0x5c && (json[offset + 1] ?? 0) >= 0x20) offset++;
  }
  return undefined;
}

/**
 * The 400 of a JSON body that does not parse: where a raw control character is, if one is (named by
 * its code point, not written out), and what to do with it.
 */
function invalidJson(json: Buffer): BadRequest {
  const raw = rawControlInJson(json);
  if (raw === undefined) return new BadRequest('invalid JSON: send {"text": "..."}');
  const hex = raw.code.toString(16).padStart(4, "0");
  const where = raw.inString ? "in a string (RFC 8259 §7)" : "outside a string (RFC 8259 §2)";
  const fix =
    raw.code === 0
      ? "remove it, a document cannot hold NUL"
      : raw.inString
        ? `write it escaped, \\u${hex}`
        : "remove it";
  return new BadRequest(
    `invalid JSON: a raw control character U+${hex.toUpperCase()} at byte offset ${raw.offset} ${where}: ${fix}`,
  );
}

/** What a 415 tells the client to send instead. */
const SEND_DOCUMENT =
  "send the document as text/plain (curl -H 'content-type: text/plain' --data-binary @FILE) " +
  'or as application/json {"text": "..."}';

/**
 * How a POST's body is read, by its content type (media type in any case, parameters such as charset
 * not read: the body is read as UTF-8): `json` for application/json, `text` for any text/*.
 * @throws BadRequest (415) for any other, saying what to send: no content type, which RFC 9110 §8.3
 *   lets a recipient take as application/octet-stream (bytes, not a document: `fetch` with a Buffer,
 *   Python's requests with `data=`; taken as text, a JSON body would be stored as its JSON text);
 *   application/x-www-form-urlencoded, what `curl -d` sends, which also drops the line breaks of a
 *   file; and anything else.
 */
function documentKind(req: IncomingMessage): "json" | "text" {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type.startsWith("text/")) return "text";
  if (type === "") throw new BadRequest(`the request has no content-type: ${SEND_DOCUMENT}`, 415);
  if (type === "application/x-www-form-urlencoded")
    throw new BadRequest(
      `content-type ${type} is a form (what curl -d sends, with the line breaks of a file dropped), ` +
        `not a document: ${SEND_DOCUMENT}`,
      415,
    );
  throw new BadRequest(`unsupported content-type ${type}: ${SEND_DOCUMENT}`, 415);
}

/**
 * Reads the request body as UTF-8 text: plain text (any text/* type), or JSON `{"text": "..."}`
 * (application/json); the type is checked first ({@link documentKind}), the body is not read for a
 * refused one. Any character but NUL (U+0000) is text; a JSON body holds a control character escaped in
 * its string, as JSON does.
 * @throws BadRequest: 415 for a content type that is missing or other than text/* and application/json
 *   ({@link documentKind}) or for bytes that are not UTF-8; 413 above {@link MAX_DOCUMENT_BYTES}; 400 for
 *   JSON that does not parse (a raw control character named by its code point and byte offset), without
 *   a string "text", a NUL character (it is not text, and a PostgreSQL text column cannot hold one), a
 *   lone surrogate escaped in the JSON string (no character: UTF-8 cannot hold it), or no text but
 *   whitespace.
 */
async function readDocument(req: IncomingMessage, res: ServerResponse): Promise<string> {
  const kind = documentKind(req);
  // A declared length over the limit is refused from the header, the body not read (nor, from a client
  // that asked first, sent); a body longer than it declared, or chunked, is cut off at the limit.
  if (Number(req.headers["content-length"]) > MAX_DOCUMENT_BYTES) throw tooLarge();
  // The headers are acceptable: a client that holds its body back until asked (Expect: 100-continue,
  // as curl does above 1 MiB) is asked now (RFC 9110 §10.1.1), not before the checks above.
  if (WAITING_FOR_CONTINUE.has(req)) res.writeContinue();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOCUMENT_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new BadRequest(
      'the document is not UTF-8 text: send text/plain in UTF-8 or JSON {"text": "..."}',
      415,
    );
  }
  if (kind === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidJson(raw);
    }
    const value = jsonText(parsed);
    if (value.includes("\u0000"))
      throw new BadRequest(
        'the document contains a NUL character (U+0000), escaped in "text": it is not text; remove it',
      );
    // A lone surrogate escaped in the JSON string (`"\ud800"`) is no character: UTF-8 cannot hold it, and
    // the database would store U+FFFD in its place; its bytes sent as text/plain are refused as not UTF-8.
    // A surrogate not in a pair (with the u flag, a pair is one code point, not \p{Cs}).
    const index = value.search(/\p{Cs}/u);
    if (index !== -1) {
      const unit = value.charCodeAt(index).toString(16).toUpperCase();
      throw new BadRequest(
        `the document contains a lone surrogate (U+${unit}), escaped in "text" at UTF-16 index ${index}: it is no character; send valid Unicode (a pair \\uD83D\\uDE00, or the character itself)`,
      );
    }
    text = value;
  } else if (raw.includes(0)) {
    throw new BadRequest(
      `the document contains a NUL character (U+0000) at byte offset ${raw.indexOf(0)}: it is not text; remove it (a UTF-16 file? send UTF-8)`,
    );
  }
  // Empty as the worker reads it: no sentence (white space as sentences.ts reads it, U+0085 NEL a line
  // break there, which String#trim keeps). The first sentence is found at the start of a document.
  if (sentencesOf(text).next().done === true)
    throw new BadRequest("the document is empty: send some text to preprocess");
  return text;
}

/**
 * The job id of a `GET /preprocess-jobs/:id` path segment, percent-decoded.
 * @throws BadRequest (400) when the segment is not valid percent-encoding (`%zz`): the client's mistake,
 *   not a 500.
 */
function jobIdOfPath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest(
      `the job id ${quoted(segment)} in the path is not valid percent-encoding: send the id as POST returned it`,
    );
  }
}

/** The path of one job, `/preprocess-jobs/:id` (the id percent-encoded). */
const JOB_PATH = /^\/preprocess-jobs\/([^/]+)$/;

/** Longest part of a client's text an answer quotes back. */
const MAX_QUOTED = 80;

/** `text` as a JSON string, cut to {@link MAX_QUOTED} characters with `…` (a 5000-character id was quoted whole). */
function jsonQuoted(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

/**
 * `text` quoted for an answer ({@link jsonQuoted}), with DEL, the C1 controls, bidi overrides and the other
 * characters a terminal acts on or shows as nothing escaped as `\uXXXX` (config.ts `quotedText`): a client
 * that prints the answer (`curl`) shows them, instead of its terminal acting on them.
 */
function quoted(text: string): string {
  return escapedAsUnicode(jsonQuoted(text), UNSEEN_IN_A_TERMINAL);
}

/**
 * A header field's text (Node reads its bytes as Latin-1, one character a byte) as {@link quoted} gives it
 * (cut to {@link MAX_QUOTED} characters first), each byte from 0x7F to 0xFF written as `\xNN`: a byte of
 * UTF-8 text (`é` is 0xC3 0xA9) is not written back as the two Latin-1 characters it is read as (`Ã©`);
 * a control character below 0x20 as JSON escapes it (`\t`, `\u0001`).
 */
function quotedField(field: string): string {
  return jsonQuoted(field).replace(
    /[\u007f-\u00ff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/**
 * The methods each path of the api answers with a route and the route it is written as, for a 405
 * (RFC 9110 §15.5.6) and OPTIONS (§9.3.7), whose `Allow` adds OPTIONS ({@link allowHeader}; HEAD
 * wherever GET is, §9.3.2), or `undefined` for a path the api does not have.
 */
function allowedMethod(pathname: string): { methods: readonly string[]; route: string } | undefined {
  if (pathname === "/preprocess-jobs") return { methods: ["POST"], route: POST_ROUTE };
  if (JOB_PATH.test(pathname)) return { methods: ["GET", "HEAD"], route: GET_ROUTE };
  return undefined;
}

/** The api's two routes, as the answers name them. */
const POST_ROUTE = "POST /preprocess-jobs";
const GET_ROUTE = "GET /preprocess-jobs/:id";

/**
 * The `Allow` header of a path answering `methods`: those, then OPTIONS, which every path of the api
 * answers.
 */
function allowHeader(methods: readonly string[]): string {
  return [...methods, "OPTIONS"].join(", ");
}

/**
 * The methods the api answers on some path, for `OPTIONS *`: the asterisk-form asks about the server
 * as a whole (RFC 9112 §3.2.4, RFC 9110 §9.3.7: a "ping"), and answering it costs nothing.
 */
const SERVER_METHODS = ["GET", "HEAD", "POST"] as const;

/** The general 404's routes: the api's paths with the methods they answer. */
const ROUTES = `${POST_ROUTE} or ${GET_ROUTE}`;

/**
 * The error of a 404: the api's routes; for one of its paths with a trailing slash
 * (`/preprocess-jobs/`, `/preprocess-jobs/ID/`), that no route ends in a slash and the route to use
 * (the one answering `method` on the path without the slash, or both when that path does not answer
 * it). Such a path is not served as the path without its slash: one spelling per route. The path is
 * not quoted back.
 */
function notFound(method: string | undefined, pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, "");
  const allowed = trimmed === pathname ? undefined : allowedMethod(trimmed);
  if (allowed === undefined) return `use ${ROUTES}`;
  const answered = allowed.methods.includes(method ?? "");
  return `no route ends in a slash: use ${answered ? allowed.route : ROUTES}`;
}

/**
 * Answers `body` as JSON with its `content-length`. To a HEAD request Node's `ServerResponse` sends the
 * status and headers alone: HEAD gets GET's answer without its body (RFC 9110 §9.3.2), the length of
 * the body it left out included.
 */
function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(json)),
    ...headers,
  });
  res.end(json);
}

/**
 * The Idempotency-Key a POST may send (draft-ietf-httpapi-idempotency-key-header, "the draft" below):
 * 1 to {@link MAX_KEY_LENGTH} visible ASCII characters (U+0021-U+007E), no space, compared exactly (case included). The
 * draft's form is a Structured Field string (§2.1, RFC 9651 §3.3.3: `"..."` with `\"` and `\\` escapes);
 * the bare key is taken too (`Idempotency-Key: abc` is the key of `Idempotency-Key: "abc"`), as most
 * clients send it (Stripe's API and others the draft lists in its §4), whole: a bare key is no Structured
 * Field item (a UUID's leading digit would make it a number), so `k1;v=1` is the key `k1;v=1`, and only a
 * string's parameters are read as such ({@link sfString}). Visible ASCII only: the draft has
 * the server publish a fixed form and check it (§5); a UUID (§2.2's advice) fits.
 */
const MAX_KEY_LENGTH = 255;

/** What a 400 about the key tells the client to send. */
const SEND_KEY =
  `send 1 to ${MAX_KEY_LENGTH} visible ASCII characters (no space), bare or as a Structured Field string, ` +
  'e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324" (draft-ietf-httpapi-idempotency-key-header §2.1)';

/**
 * The value of the Structured Field string item (RFC 9651 §3.3.3, RFC 8941 before it) that is the whole of `field`, unescaped,
 * its parameters ignored (`"abc";foo=1` is `abc`), or `undefined` when `field` is not one (parsed by
 * structured-headers' `parseItem`): unterminated, an escape other than `\"` and `\\`, a character outside
 * U+0020-U+007E, another type of item, parameters that do not parse (a key in uppercase, a space before
 * the `;`, a value that is no bare item). Parameters are taken because the draft makes the field an Item
 * (§2.1), which may carry them, and defines none: RFC 9651 §2 (RFC 8941 §2) has Items carry parameters as
 * the means to extend a field later and discourages field definitions from making an unknown one an
 * error, so a recipient ignores those it does not know.
 */
function sfString(field: string): string | undefined {
  try {
    const [value] = parseItem(field);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `field` parses as a Structured Field list of two or more members (RFC 9651 §3.1), by structured-headers' `parseList`. */
function isList(field: string): boolean {
  try {
    return parseList(field).length > 1;
  } catch {
    return false;
  }
}

/**
 * The end (the index after its closing quote) of the Structured Field string that `field` opens with, or
 * `undefined` when its closing quote never comes: the first `"` not escaped by a `\` (RFC 9651 §4.2.5).
 */
function stringEnd(field: string): number | undefined {
  for (let i = 1; i < field.length; i++) {
    if (field[i] === "\\") i++;
    else if (field[i] === '"') return i + 1;
  }
  return undefined;
}

/**
 * The Idempotency-Key of a request ({@link MAX_KEY_LENGTH}), or `undefined` when it sends none (then the
 * POST makes a job each time, as before the key).
 * @throws BadRequest (400) saying what to send: more than one such field (the draft's §2.1 allows one), an
 *   empty key, a longer one, a string that does not parse, parameters after it that do not (named), a byte other than
 *   visible ASCII (named by its value and index in the key, not written back).
 */
function idempotencyKey(req: IncomingMessage): string | undefined {
  const fields = req.headersDistinct["idempotency-key"];
  if (fields === undefined) return undefined;
  if (fields.length > 1)
    throw new BadRequest(
      `the request has ${fields.length} Idempotency-Key fields, and one is allowed: ${SEND_KEY}`,
    );
  const field = fields[0]!;
  const key = field.startsWith('"') ? sfString(field) : field;
  if (key === undefined) {
    // A string that parses alone: what follows it is the fault, named.
    const end = stringEnd(field);
    const string = end === undefined ? undefined : sfString(field.slice(0, end));
    // Strings joined into a list (`"k1", "k2"`, `"k1";a=1, "k2"`: a proxy that joined two fields): one key
    // is allowed.
    if (string !== undefined && (isList(field) || /^\s*,/.test(field.slice(end))))
      throw new BadRequest(
        `the Idempotency-Key ${quotedField(field)} is a list of keys, and one is allowed: ${SEND_KEY}`,
      );
    if (string !== undefined)
      throw new BadRequest(
        `the parameters ${quotedField(field.slice(end))} after the Idempotency-Key ${quotedField(string)} do not parse ` +
          `(RFC 9651 §3.1.2: each is ;key or ;key=value, the key in lowercase, no space before the ;): ${SEND_KEY}`,
      );
    throw new BadRequest(
      `the Idempotency-Key ${quotedField(field)} is not a Structured Field string (RFC 9651 §3.3.3): ${SEND_KEY}`,
    );
  }
  if (key === "") throw new BadRequest(`the Idempotency-Key is empty: ${SEND_KEY}`);
  if (key.length > MAX_KEY_LENGTH)
    throw new BadRequest(
      `the Idempotency-Key is ${key.length} characters long, over the limit of ${MAX_KEY_LENGTH}: ${SEND_KEY}`,
    );
  // A list (`k1, k2`: a client that joined two keys): one key is allowed, said as such.
  if (/,\s/.test(key))
    throw new BadRequest(
      `the Idempotency-Key ${quotedField(key)} is a list of keys, and one is allowed: ${SEND_KEY}`,
    );
  // Node reads a field's bytes as Latin-1: one character per byte, named by its value (a byte of UTF-8
  // text, a control character), never written back.
  const index = key.search(/[^\x21-\x7e]/);
  if (index !== -1) {
    const byte = key.charCodeAt(index).toString(16).toUpperCase().padStart(2, "0");
    throw new BadRequest(
      `the Idempotency-Key holds the byte 0x${byte} at index ${index}, not visible ASCII: ${SEND_KEY}`,
    );
  }
  return key;
}

/**
 * The fingerprint of a document (the draft's §2.4), stored with its key: SHA-256 of its text in UTF-8, hex.
 * Of the text, not of the body: the same document sent as text/plain or as JSON is the same request.
 */
function fingerprint(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** How long a job's transaction is tried again while the database is busy before the api answers 503. */
const CREATE_RETRY_MS = 8_000;

/** A job a POST created, or found by its Idempotency-Key (`replayed`), and its status now. */
interface PostedJob {
  id: string;
  status: string;
  replayed: boolean;
}

/**
 * The job stored with Idempotency-Key `key`, as a replay, or `undefined` when there is none.
 * @throws BadRequest (422) when it was stored for another document (the draft's §2.7).
 */
async function jobOfKey(key: string, print: string): Promise<PostedJob | undefined> {
  const job = await db.preprocessJob.findUnique({
    where: { idempotencyKey: key },
    select: { id: true, status: true, idempotencyFingerprint: true },
  });
  if (job === null) return undefined;
  if (job.idempotencyFingerprint !== print)
    throw new BadRequest(
      `the Idempotency-Key ${quoted(key)} was used before for another document: send a new key with a new ` +
        "document (a key stands for one document, draft-ietf-httpapi-idempotency-key-header §2.2, §2.7)",
      422,
    );
  return { id: job.id, status: job.status, replayed: true };
}

/**
 * Creates a job and its outbox row in one transaction, or, for a `key` a job was stored with, answers that
 * job ({@link jobOfKey}) and writes nothing: the first request's rows keep its trace carrier, and the span
 * of this one says `preprocess.job.replayed`.
 * Two requests with the same key at once: the unique index on the key lets one transaction commit; the
 * other's insert fails with P2002 once it has (PostgreSQL and InnoDB hold it until then; SQLite runs one
 * write at a time), so the job is read then. No 409 (the draft's §2.6, a request still being processed):
 * a job is never seen before its transaction has committed whole.
 */
async function createJob(text: string, key: string | undefined): Promise<PostedJob> {
  return tracer.startActiveSpan("preprocess-job.create", async (span) => {
    try {
      const print = key === undefined ? undefined : fingerprint(text);
      const idempotency = key === undefined ? {} : { idempotencyKey: key, idempotencyFingerprint: print };
      // The extension fills `traceContext` of both rows with the carrier of the active context (this
      // span, child of the HTTP SERVER span).
      // A transient failure (the SQLite file locked by the relay or the worker) rolled the transaction
      // back: it is run again whole, and each retry is an event on this span.
      const job = await retryTransient(
        async (): Promise<PostedJob> => {
          const found = key === undefined ? undefined : await jobOfKey(key, print!);
          if (found !== undefined) return found;
          try {
            return await db.$transaction(async (tx) => {
              const created = await tx.preprocessJob.create({ data: { text, ...idempotency } });
              await tx.outbox.create({
                data: {
                  aggregateType: "PreprocessJob",
                  aggregateId: created.id,
                  eventType: EVENT_JOB_REQUESTED,
                  payload: { jobId: created.id },
                },
              });
              return { id: created.id, status: created.status, replayed: false };
            });
          } catch (error) {
            // Another request with the key committed its job first: that one is the answer.
            const winner =
              key !== undefined && databaseErrorCode(error) === "P2002"
                ? await jobOfKey(key, print!)
                : undefined;
            if (winner !== undefined) return winner;
            throw error;
          }
        },
        {
          attempts: Infinity,
          maxElapsedMs: CREATE_RETRY_MS,
          onRetry: (error, attempt) => {
            span.addEvent("retry", { attempt, "error.type": databaseErrorCode(error) });
            // Said at the first failure, not 8 s later when the request gives up.
            outage.failed(error);
          },
        },
      );
      span.setAttribute("preprocess.job.id", job.id);
      if (job.replayed) span.setAttribute("preprocess.job.replayed", true);
      return job;
    } finally {
      span.end();
    }
  });
}

const server = createServer(serve);
// A request that asks before sending its body (Expect: 100-continue) is served as any other (emitted as a
// request, so the HTTP instrumentation gives it its SERVER span): its route says `100 Continue` once the
// headers are accepted (readDocument), or answers without it.
server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
  WAITING_FOR_CONTINUE.add(req);
  server.emit("request", req, res);
});

/**
 * The requests not answered yet, each as `METHOD /path` (the query left out: it may hold anything), until its
 * response is closed (sent, or the connection gone): what a stop waits for, said by {@link openRequestsLine}.
 */
const openRequests = new Map<ServerResponse, string>();

/** Requests an {@link openRequestsLine} names, at most; the rest are counted. */
const NAMED_REQUESTS_MAX = 10;

/**
 * The line the api says when it stops with requests still open, or undefined when none is:
 * `tracehop preprocess: api: stopping: waiting for 2 requests still open: POST /preprocess-jobs, GET /preprocess-jobs/…`
 * (at most {@link NAMED_REQUESTS_MAX} named, each path cut to 200 characters). A stop waits for them (Node's
 * server.close), so that a slow upload or a stuck database call is seen as what holds the stop.
 */
function openRequestsLine(): string | undefined {
  if (openRequests.size === 0) return undefined;
  const named = [...openRequests.values()].slice(0, NAMED_REQUESTS_MAX);
  const more = openRequests.size - named.length;
  const noun = openRequests.size === 1 ? "request" : "requests";
  return `tracehop preprocess: api: stopping: waiting for ${openRequests.size} ${noun} still open: ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  const request = `${req.method} ${path.length > 200 ? `${path.slice(0, 199)}…` : path}`; // as lines name it
  openRequests.set(res, request);
  res.once("close", () => openRequests.delete(res));
  if (stopping) res.setHeader("Connection", "close");
  void (async () => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method === "POST" && url.pathname === "/preprocess-jobs") {
        // The key is read with the headers, before the body (readDocument).
        const key = idempotencyKey(req);
        const text = await readDocument(req, res);
        const job = await createJob(text, key);
        outage.recovered();
        trace.getActiveSpan()?.setAttribute("preprocess.job.id", job.id);
        // A replay is answered as the first request was (the draft's §2.6), its job's status now, and says
        // it is one (Idempotent-Replayed, as Stripe's API names it).
        const replayed: Record<string, string> = job.replayed ? { "idempotent-replayed": "true" } : {};
        return send(res, 201, { id: job.id, status: job.status }, replayed);
      }
      const match = JOB_PATH.exec(url.pathname);
      if ((req.method === "GET" || req.method === "HEAD") && match) {
        const id = jobIdOfPath(match[1]!);
        // No job's id holds a NUL (POST gives UUIDs, and PostgreSQL's text cannot hold one: asked for it,
        // the server fails the query with 22021): the same 404 as any unknown id, on every database.
        const job = id.includes("\u0000")
          ? null
          : await db.preprocessJob.findUnique({
              where: { id },
              select: {
                id: true,
                status: true,
                failureReason: true,
                _count: { select: { sentences: true } },
              },
            });
        outage.recovered();
        if (!job)
          return send(res, 404, {
            error: `no preprocess job with id ${quoted(id)}: send the id as POST returned it`,
          });
        // A failed job says why (the worker's reason: its processing failed, or its message was given up on).
        const reason = job.status === "failed" ? { error: job.failureReason ?? "processing failed" } : {};
        return send(res, 200, { id: job.id, status: job.status, sentences: job._count.sentences, ...reason });
      }
      const allowed = allowedMethod(url.pathname);
      // OPTIONS: 204 and the methods in Allow (RFC 9110 §9.3.7), no body; a body sent is not read.
      const options = req.url === "*" ? SERVER_METHODS : allowed?.methods;
      if (req.method === "OPTIONS" && options !== undefined) {
        res.writeHead(204, { allow: allowHeader(options) }).end();
        return;
      }
      if (allowed !== undefined)
        return send(
          res,
          405,
          { error: `${req.method} is not answered here: use ${allowed.route}` },
          { allow: allowHeader(allowed.methods) },
        );
      return send(res, 404, { error: notFound(req.method, url.pathname) });
    } catch (err) {
      // A refusal before the body was read whole: Node reads and drops the rest (a client still sending
      // would otherwise see its connection reset before it reads the answer), or, for a client that was
      // never told `100 Continue`, closes the connection after the answer.
      if (err instanceof BadRequest) return send(res, err.status, { error: err.message });
      if (databaseFailure(err) !== undefined) {
        // Still failing after the retries (a POST's; a GET is not retried, docs/example.md says why); a POST wrote
        // nothing (its transaction rolled back). Said when the outage starts and every 30 s while it lasts,
        // not for each request. A P2028 is said busy until nothing has succeeded for 30 s (OutageLog).
        const failure = outage.failed(err);
        const what =
          failure.state === "busy"
            ? "the database is busy (a lock, a conflict or no connection left)"
            : "the database is unavailable (it cannot be reached, does not answer, or the connection was lost)";
        const error =
          req.method === "POST"
            ? `${what}: nothing was stored, send the request again`
            : `${what}: ask again`;
        return send(res, 503, { error }, { "retry-after": failure.state === "busy" ? "1" : "5" });
      }
      // A request whose connection the stop closed (STOP_GRACE_MS): its failure (the database disconnected
      // under its transaction: P2028) is the stop's doing, said in one line; nobody reads the answer.
      if (stopping && res.destroyed) {
        console.error(
          `tracehop preprocess: api: stopping: ${request}, its connection closed by the stop, ended with: ${errorText(err)}`,
        );
        return;
      }
      say("request failed", err);
      return send(res, 500, { error: "internal error" });
    }
  })();
}

const PORT = setting("PORT");
// A port in use is bad input, as a bad PORT is: one line and exit 2 (`npm start` then exits 2 too).
server.once("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EADDRINUSE")
    exitForBadInput(
      `PORT=${PORT}: the port is taken on 127.0.0.1 (EADDRINUSE): set PORT to a free one, or unset it for 0 (any free port)`,
    );
  throw err;
});
server.listen(PORT, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // The orchestrator waits for this line.
  console.log(`api listening on http://127.0.0.1:${port} READY`);
});

/**
 * Set when the api stops: each answer from then on says `Connection: close` (RFC 9112 §9.6) and Node closes
 * its connection after it, so that a client that keeps its connections (HTTP/1.1's default) does not hold
 * the stop for the keep-alive timeout (server.close closes only the connections idle when it is called).
 */
let stopping = false;

/**
 * How long a stop waits for the requests still open, in milliseconds, before it closes their connections
 * and any that sent no whole request: a client that stalls mid-upload (a `Content-Length` it never sends
 * whole) or sends half a header block held the stop for good, since Node's server.close turns its request
 * and header timeouts off. A request's database work still running then goes on to its end (the stop
 * waits for it when it disconnects the database: bounded by the database's own timeouts, db-timeouts.ts
 * QUERY_TIMEOUT_MS), its answer no longer sent. Longer than a request's own work (a job's transaction
 * is retried for up to {@link CREATE_RETRY_MS} while the database is busy) and shorter than `npm start`'s
 * wait before it kills a process that does not stop (main.ts STOP_TIMEOUT_MS: this grace and the spans'
 * TRACEHOP_SHUTDOWN_TIMEOUT_MS, 15 s by default). A request cut so gets no
 * answer; what its transaction committed stays, and a client that sent an Idempotency-Key sends it again.
 */
const STOP_GRACE_MS = 10_000;

/**
 * The api's open connections: at the end of {@link STOP_GRACE_MS} the stop counts those that sent no whole
 * request (connected and silent, half a header block), which hold server.close as long as a request does.
 */
const connections = new Set<Socket>();
server.on("connection", (socket: Socket) => {
  connections.add(socket);
  socket.once("close", () => connections.delete(socket));
});

onShutdownSignal(async () => {
  stopping = true;
  for (const res of openRequests.keys()) if (!res.headersSent) res.setHeader("Connection", "close");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const waiting = openRequestsLine();
  if (waiting !== undefined) console.error(waiting);
  const grace = setTimeout(() => {
    const requests = openRequests.size;
    const silent = Math.max(0, connections.size - requests);
    const held = [
      ...(requests > 0 ? [`${requests} ${requests === 1 ? "request" : "requests"} still open`] : []),
      ...(silent > 0
        ? [`${silent} ${silent === 1 ? "connection" : "connections"} with no whole request`]
        : []),
    ];
    const one = requests + silent === 1;
    if (held.length > 0)
      console.error(
        `tracehop preprocess: api: stopping: ${held.join(" and ")} after ${STOP_GRACE_MS / 1000} s: closing ${one ? "its connection" : "their connections"}`,
      );
    server.closeAllConnections();
  }, STOP_GRACE_MS);
  await closed;
  clearTimeout(grace);
  await db.$disconnect();
  await tracing.shutdown();
});

/**
 * The string `text` field of a parsed JSON body, else a 400 naming what the body held instead (a JSON
 * string, an array, `null`, a `text` of another type, no `text`) and what to send.
 */
function jsonText(parsed: unknown): string {
  const fix = 'the JSON body must be an object with a string field "text", {"text": "..."}';
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new BadRequest(`${fix}; got ${jsonKind(parsed)}`);
  if (!Object.hasOwn(parsed, "text")) throw new BadRequest(`${fix}; it has no "text" field`);
  const value = (parsed as { text: unknown }).text;
  if (typeof value !== "string") throw new BadRequest(`${fix}; its "text" is ${jsonKind(value)}`);
  return value;
}

/** What a parsed JSON value is, for a message: `a JSON string`, `an array`, `null`, `a number`, ... */
function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a JSON string";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
