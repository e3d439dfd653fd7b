// The api started by hand, as the README shows (`node --import tsx examples/preprocess/api.ts`), answering
// what a client sends it.
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { connectPostgres, createDatabase } from "../prisma/databases.js";
import { startApi } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { until } from "./queue-helpers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/**
 * Opens a POST to `path` on the api at `port` that declares `length` bytes and asks before sending them
 * (Expect: 100-continue, RFC 9110 §10.1.1). Resolves once the api answered `100 Continue`: it asks from
 * within the request's handling, so the api then holds the request as open (an event to wait for, not a
 * sleep). `received` gets every byte the api sends on the connection, the 100 Continue first.
 */
function openRequest(
  port: number,
  path: string,
  length: number,
): Promise<{ socket: Socket; received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\n` +
          `expect: 100-continue\r\ncontent-length: ${length}\r\n\r\n`,
      ),
    );
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).toString("latin1").startsWith(CONTINUE)) resolve({ socket, received });
    });
    socket.on("error", reject); // after it resolved: no effect (the api may close the connection)
  });
}

/** The api's interim answer to a request that asked before sending its body. */
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/**
 * Resolves once the api at `port` answered a request on a new connection that it then closes: the
 * connections opened before it have been taken by the api (it accepts them in order).
 */
function answeredOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () =>
      socket.write("GET /preprocess-jobs/none HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"),
    );
    socket.resume();
    socket.on("end", () => resolve());
    socket.on("error", reject);
  });
}

/** How many jobs the SQLite file `db` holds. */
function storedJobs(db: string): number {
  const file = new Database(db, { readonly: true });
  try {
    return (file.prepare("SELECT COUNT(*) AS n FROM PreprocessJob").get() as { n: number }).n;
  } finally {
    file.close();
  }
}

test("a job id in the path that is not valid percent-encoding is the client's mistake: 400, nothing logged", async (t) => {
  const { base, stop } = await startApi(t, "api-requests");

  const bad = await fetch(`${base}/preprocess-jobs/%zz`);
  assert.deepEqual(
    [bad.status, await bad.json()],
    [
      400,
      {
        error: 'the job id "%zz" in the path is not valid percent-encoding: send the id as POST returned it',
      },
    ],
  );
  const unknown = await fetch(`${base}/preprocess-jobs/no%20such`);
  assert.deepEqual(
    [unknown.status, await unknown.json()],
    [404, { error: 'no preprocess job with id "no such": send the id as POST returned it' }],
  );
  // A C1 control (U+009B, a terminal's CSI) and a bidi override are quoted back escaped, as JSON escapes C0.
  const hostile = await fetch(`${base}/preprocess-jobs/a%C2%9B2J%E2%80%AEb%7F`);
  assert.deepEqual(
    [hostile.status, await hostile.json()],
    [
      404,
      { error: 'no preprocess job with id "a\\u009b2J\\u202eb\\u007f": send the id as POST returned it' },
    ],
  );
  // A long id is quoted back cut, not whole.
  const long = await fetch(`${base}/preprocess-jobs/${"x".repeat(5000)}`);
  assert.deepEqual(
    [long.status, await long.json()],
    [404, { error: `no preprocess job with id "${"x".repeat(80)}…": send the id as POST returned it` }],
  );
  // A path the api has, with a method it does not answer there: 405 and the method it does (RFC 9110).
  for (const [method, path, allow, route] of [
    ["PUT", "/preprocess-jobs/abc", "GET, HEAD, OPTIONS", "GET /preprocess-jobs/:id"],
    ["PUT", "/preprocess-jobs/%zz", "GET, HEAD, OPTIONS", "GET /preprocess-jobs/:id"],
    ["DELETE", "/preprocess-jobs", "POST, OPTIONS", "POST /preprocess-jobs"],
  ] as const) {
    const wrong = await fetch(`${base}${path}`, { method });
    assert.deepEqual(
      [wrong.status, wrong.headers.get("allow"), await wrong.json()],
      [405, allow, { error: `${method} is not answered here: use ${route}` }],
    );
  }

  await stop();
});

/** A response's headers but those that change between two answers (`date`) or name the connection. */
function answerHeaders(res: Response): Record<string, string> {
  const headers = Object.fromEntries(res.headers);
  for (const name of ["date", "connection", "keep-alive"]) delete headers[name];
  return headers;
}

test("HEAD is answered as GET without the body (RFC 9110 §9.3.2): same status and headers", async (t) => {
  const { base, stop } = await startApi(t, "api-requests");
  const created = await fetch(`${base}/preprocess-jobs`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "One sentence. Another one.",
  });
  const { id } = (await created.json()) as { id: string };
  for (const path of [
    `/preprocess-jobs/${id}`,
    "/preprocess-jobs/no%20such",
    "/preprocess-jobs/%zz",
    "/nope",
  ]) {
    const get = await fetch(`${base}${path}`);
    const getBody = await get.text();
    const head = await fetch(`${base}${path}`, { method: "HEAD" });
    assert.deepEqual(
      [head.status, answerHeaders(head), await head.text()],
      [get.status, answerHeaders(get), ""],
      path,
    );
    // The length GET's body has, told to HEAD too.
    assert.equal(head.headers.get("content-length"), String(Buffer.byteLength(getBody)), path);
  }
  // Where GET is not answered, neither is HEAD: 405 and the method that is.
  const post = await fetch(`${base}/preprocess-jobs`, { method: "HEAD" });
  assert.deepEqual([post.status, post.headers.get("allow"), await post.text()], [405, "POST, OPTIONS", ""]);

  await stop();
});

test("a path with a trailing slash is not served as the one without: 404 naming the route without it", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  const ROUTES = "POST /preprocess-jobs or GET /preprocess-jobs/:id";
  for (const [method, path, use] of [
    ["POST", "/preprocess-jobs/", "POST /preprocess-jobs"],
    ["POST", "/preprocess-jobs//", "POST /preprocess-jobs"],
    ["GET", "/preprocess-jobs/abc/", "GET /preprocess-jobs/:id"],
    // Nor is GET /preprocess-jobs a route: both routes are named.
    ["GET", "/preprocess-jobs/", ROUTES],
    ["DELETE", "/preprocess-jobs/abc/", ROUTES],
  ] as const) {
    const init =
      method === "POST"
        ? { method, body: "One sentence.", headers: { "content-type": "text/plain" } }
        : { method };
    const res = await fetch(`${base}${path}`, init);
    assert.deepEqual(
      [res.status, res.headers.get("allow"), await res.json()],
      [404, null, { error: `no route ends in a slash: use ${use}` }],
      `${method} ${path}`,
    );
  }
  // Not a path of the api with or without the slash: the general 404.
  const other = await fetch(`${base}/nope/`);
  assert.deepEqual([other.status, await other.json()], [404, { error: `use ${ROUTES}` }]);
  // The POSTs stored nothing.
  assert.equal(storedJobs(db), 0);
  const head = await fetch(`${base}/preprocess-jobs/abc/`, { method: "HEAD" });
  assert.deepEqual([head.status, await head.text()], [404, ""]);

  await stop();
});

test("a control character the body cannot hold is a 400 saying where and what to do, never the byte itself", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  const JSON_TYPE = "application/json";
  for (const [type, body, error] of [
    // Raw in JSON: malformed JSON (RFC 8259 §7: U+0000-U+001F escaped in a string; §2: only space, tab,
    // LF and CR between tokens).
    [
      JSON_TYPE,
      '{"text":"a\u0000b"}',
      "invalid JSON: a raw control character U+0000 at byte offset 10 in a string (RFC 8259 §7): remove it, a document cannot hold NUL",
    ],
    [
      JSON_TYPE,
      '{"text":"ab"}\u0000',
      "invalid JSON: a raw control character U+0000 at byte offset 13 outside a string (RFC 8259 §2): remove it, a document cannot hold NUL",
    ],
    [
      JSON_TYPE,
      '{"text":"é\u0001"}',
      "invalid JSON: a raw control character U+0001 at byte offset 11 in a string (RFC 8259 §7): write it escaped, \\u0001",
    ],
    [
      JSON_TYPE,
      '{"text":"a\tb"}',
      "invalid JSON: a raw control character U+0009 at byte offset 10 in a string (RFC 8259 §7): write it escaped, \\u0009",
    ],
    [
      JSON_TYPE,
      '{"text":"a\\"\u001f"}',
      "invalid JSON: a raw control character U+001F at byte offset 12 in a string (RFC 8259 §7): write it escaped, \\u001f",
    ],
    [
      JSON_TYPE,
      '\u001b{"text":"ab"}',
      "invalid JSON: a raw control character U+001B at byte offset 0 outside a string (RFC 8259 §2): remove it",
    ],
    // Escaped in JSON: valid JSON, but the document holds a NUL.
    [
      JSON_TYPE,
      '{"text":"a\\u0000b"}',
      'the document contains a NUL character (U+0000), escaped in "text": it is not text; remove it',
    ],
    // Escaped in JSON, a lone surrogate (uN2: stored as U+FFFD); its bytes as text/plain are not UTF-8.
    [
      JSON_TYPE,
      '{"text":"lone \\ud800 surrogate. \\ud83d\\ude00 a pair is fine"}',
      'the document contains a lone surrogate (U+D800), escaped in "text" at UTF-16 index 5: it is no character; send valid Unicode (a pair \\uD83D\\uDE00, or the character itself)',
    ],
    // Plain text: raw NUL.
    [
      "text/plain",
      "one\u0000two",
      "the document contains a NUL character (U+0000) at byte offset 3: it is not text; remove it (a UTF-16 file? send UTF-8)",
    ],
    [
      "text/markdown",
      "é\u0000",
      "the document contains a NUL character (U+0000) at byte offset 2: it is not text; remove it (a UTF-16 file? send UTF-8)",
    ],
  ] as const) {
    const res = await fetch(`${base}/preprocess-jobs`, {
      method: "POST",
      body,
      headers: { "content-type": type },
    });
    assert.deepEqual([res.status, await res.json()], [400, { error }], JSON.stringify(body));
  }
  // Any other control character is text: a JSON string's escaped one, tab/LF/CR between JSON tokens, and
  // every one but NUL in plain text (DEL and C1 controls are no JSON control characters).
  for (const [type, body] of [
    [JSON_TYPE, '{"text":"a\\u0001\\t\\u001fb\u007f\u0085"}'],
    [JSON_TYPE, '\t{\r\n"text":\t"ab"}\n'],
    ["text/plain", "a\u0001\u001b\u007f\u0085b\tc\r\n"],
  ] as const) {
    const res = await fetch(`${base}/preprocess-jobs`, {
      method: "POST",
      body,
      headers: { "content-type": type },
    });
    assert.equal(res.status, 201, `${JSON.stringify(body)}: ${JSON.stringify(await res.json())}`);
  }
  assert.equal(storedJobs(db), 3);

  await stop();
});

/**
 * The status, headers and body of `method target` sent with node:http (fetch cannot send the
 * asterisk-form `*`, nor a body without a content type: it adds text/plain to a string).
 */
function rawRequest(
  base: string,
  method: string,
  target: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${base}/`, { method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    sent.on("error", reject);
    sent.end(body);
  });
}

test("OPTIONS on a path of the api answers 204 with the methods it answers there (RFC 9110 §9.3.7); OPTIONS * the server's", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  for (const [path, allow] of [
    ["/preprocess-jobs", "POST, OPTIONS"],
    ["/preprocess-jobs/abc", "GET, HEAD, OPTIONS"],
    ["/preprocess-jobs/%zz", "GET, HEAD, OPTIONS"],
  ] as const) {
    const res = await fetch(`${base}${path}`, { method: "OPTIONS" });
    assert.deepEqual(
      [res.status, res.headers.get("allow"), res.headers.get("content-length"), await res.text()],
      [204, allow, null, ""],
      path,
    );
  }
  // The server as a whole (RFC 9112 §3.2.4's asterisk-form): every method it answers somewhere.
  const server = await rawRequest(base, "OPTIONS", "*");
  assert.deepEqual([server.status, server.headers.allow, server.body], [204, "GET, HEAD, POST, OPTIONS", ""]);
  // A path the api does not have is still a 404, with or without a trailing slash.
  for (const path of ["/nope", "/preprocess-jobs/"]) {
    const res = await fetch(`${base}${path}`, { method: "OPTIONS" });
    assert.deepEqual([res.status, res.headers.get("allow")], [404, null], path);
  }
  // An OPTIONS request stores nothing, not even with a body.
  const withBody = await fetch(`${base}/preprocess-jobs`, {
    method: "OPTIONS",
    headers: { "content-type": "text/plain" },
    body: "One sentence.",
  });
  assert.equal(withBody.status, 204);
  assert.equal(storedJobs(db), 0);

  await stop();
});

test("a POST is read by its content type: text/* or application/json; none, a form (curl -d) or any other is a 415 saying what to send, and stores nothing", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  // One job stored before: the refused requests leave it as it is.
  const first = await fetch(`${base}/preprocess-jobs`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "One sentence.",
  });
  const { id } = (await first.json()) as { id: string };
  const TO_SEND =
    "send the document as text/plain (curl -H 'content-type: text/plain' --data-binary @FILE) " +
    'or as application/json {"text": "..."}';
  const body = Buffer.from("One sentence.\nAnother one.\n");
  for (const [headers, error] of [
    [{}, `the request has no content-type: ${TO_SEND}`],
    [{ "content-type": "" }, `the request has no content-type: ${TO_SEND}`],
    [
      { "content-type": "application/x-www-form-urlencoded" },
      "content-type application/x-www-form-urlencoded is a form (what curl -d sends, with the line " +
        `breaks of a file dropped), not a document: ${TO_SEND}`,
    ],
    [
      { "content-type": "application/octet-stream" },
      `unsupported content-type application/octet-stream: ${TO_SEND}`,
    ],
    [
      { "content-type": "multipart/form-data; boundary=x" },
      `unsupported content-type multipart/form-data: ${TO_SEND}`,
    ],
  ] as const) {
    const res = await rawRequest(base, "POST", "/preprocess-jobs", body, headers);
    assert.deepEqual([res.status, JSON.parse(res.body)], [415, { error }], JSON.stringify(headers));
  }
  // The type is read before the body: a refused type is said even above the size limit.
  const large = await rawRequest(base, "POST", "/preprocess-jobs", Buffer.alloc(6 * 1024 * 1024, 0x61));
  assert.deepEqual(
    [large.status, JSON.parse(large.body)],
    [415, { error: `the request has no content-type: ${TO_SEND}` }],
  );
  // Any text/* type and application/json, a parameter and any case included, are read.
  for (const [type, sent] of [
    ["text/markdown", "# One sentence."],
    ["Text/Plain; charset=UTF-8", "One sentence."],
    ["application/json; charset=utf-8", '{"text": "One sentence."}'],
  ] as const) {
    const res = await rawRequest(base, "POST", "/preprocess-jobs", Buffer.from(sent), {
      "content-type": type,
    });
    assert.equal(res.status, 201, `${type}: ${res.body}`);
  }
  assert.equal(storedJobs(db), 4);
  const stored = await fetch(`${base}/preprocess-jobs/${id}`);
  assert.equal(stored.status, 200);

  await stop();
});

test("a JSON body that is no object with a string text, or an empty document, is a 400 naming what it got and what to send", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  const JSON_TYPE = "application/json";
  const shape = (got: string) =>
    `the JSON body must be an object with a string field "text", {"text": "..."}; ${got}`;
  for (const [type, body, error] of [
    [JSON_TYPE, '"One. Two."', shape("got a JSON string")],
    [JSON_TYPE, "null", shape("got null")],
    [JSON_TYPE, "[1]", shape("got an array")],
    [JSON_TYPE, "42", shape("got a number")],
    [JSON_TYPE, '{"text":["x"]}', shape('its "text" is an array')],
    [JSON_TYPE, '{"doc":"x"}', shape('it has no "text" field')],
    [JSON_TYPE, '{"text":null}', shape('its "text" is null')],
    [JSON_TYPE, '{"text":"  \\n "}', "the document is empty: send some text to preprocess"],
    ["text/plain", "", "the document is empty: send some text to preprocess"],
    // No sentence as the worker reads it: NEL (U+0085) is a line break there, which String#trim keeps.
    ["text/plain", "\u0085\r\n\u0085", "the document is empty: send some text to preprocess"],
    [JSON_TYPE, '{"text":"\\u0085 \\u2028\\ufeff"}', "the document is empty: send some text to preprocess"],
  ] as const) {
    const res = await fetch(`${base}/preprocess-jobs`, {
      method: "POST",
      body,
      headers: { "content-type": type },
    });
    assert.deepEqual([res.status, await res.json()], [400, { error }], body);
  }
  assert.equal(storedJobs(db), 0);
  await stop();
});

/**
 * A POST sent as curl sends a large file: `Expect: 100-continue`, the body held back until the server
 * answers 100 (RFC 9110 §10.1.1). Resolves with the final status, its body, and whether a 100 came first.
 */
function expectContinue(
  base: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: string; continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const sent = request(
      `${base}/preprocess-jobs`,
      {
        method: "POST",
        headers: { ...headers, expect: "100-continue", "content-length": String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), continued }),
        );
      },
    );
    sent.on("continue", () => {
      continued = true;
      sent.end(body);
    });
    sent.on("error", reject);
    sent.flushHeaders();
  });
}

test("a body declared over the size limit or of a refused type is answered before it is sent: no 100 Continue, 413 or 415 at once", async (t) => {
  const { base, db, stop } = await startApi(t, "api-requests");
  const limit = 5 * 1024 * 1024;
  const over = await expectContinue(base, { "content-type": "text/plain" }, Buffer.alloc(limit + 1, 0x61));
  assert.deepEqual(
    [over.status, JSON.parse(over.body), over.continued],
    [
      413,
      {
        error: `document too large: the limit is ${limit} bytes (5 MiB): send it as several smaller documents`,
      },
      false,
    ],
  );
  const type = await expectContinue(base, { "content-type": "image/png" }, Buffer.from("One sentence."));
  assert.deepEqual([type.status, type.continued], [415, false]);
  // Within the limit and of a type read: 100, then the body, then the job.
  const fits = await expectContinue(base, { "content-type": "text/plain" }, Buffer.from("One sentence."));
  assert.deepEqual([fits.status, fits.continued], [201, true]);
  // A Content-Length over the limit without Expect is refused from the header too, the body not read.
  const declared = await rawRequest(base, "POST", "/preprocess-jobs", Buffer.alloc(limit + 1, 0x61), {
    "content-type": "text/plain",
  });
  assert.equal(declared.status, 413);
  // An HTTP/1.0 client is never sent a 1xx answer (RFC 9110 §15.2), Expect or not: it sends its body
  // with its headers and gets the final answer alone.
  const { port } = new URL(base);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () =>
      socket.end(
        "POST /preprocess-jobs HTTP/1.0\r\ncontent-type: text/plain\r\nexpect: 100-continue\r\n" +
          "content-length: 13\r\n\r\nOne sentence.",
      ),
    );
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
  });
  assert.match(answer, /^HTTP\/1\.1 201 Created\r\n/, answer);
  assert.equal(storedJobs(db), 2);

  await stop();
});

test("stopped with requests still open, the api says how many it waits for and their paths, then ends once they do", async (t) => {
  const { port, api } = await startApi(t, "api-requests");
  // Two requests whose bodies never come whole: the api waits for them.
  const open: Socket[] = [];
  for (const path of ["/preprocess-jobs", "/preprocess-jobs?source=x"]) {
    const { socket } = await openRequest(port, path, 100);
    socket.write("One.");
    open.push(socket);
  }
  let stderr = "";
  api.child.stderr!.on("data", (d) => (stderr += d));
  api.child.kill("SIGTERM");
  await until(() => stderr.includes("\n"), "the api's first line of its stop");
  assert.equal(
    stderr,
    "tracehop preprocess: api: stopping: waiting for 2 requests still open: POST /preprocess-jobs, POST /preprocess-jobs\n",
  );
  assert.equal(api.child.exitCode, null, "it waits for them");
  for (const socket of open) socket.destroy();
  const { code } = await ended(api, "the api's exit");
  assert.equal(code, 0);
});

// Side by side: each its own api and database, and each mostly the stop's 10 s grace.
describe("the stop's 10 s grace", { concurrency: true }, () => {
  // Found trying the README as a new user: a client that stalled mid-upload held the api's stop for good
  // (server.close turns Node's request timeout off), seven minutes in the trial, until a second signal.
  test("a request still open 10 s into a stop has its connection closed, and the api ends, saying so", async (t) => {
    const { port, api } = await startApi(t, "api-requests");
    const { socket } = await openRequest(port, "/preprocess-jobs", 100);
    const socketEnded = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write("One.");
    let stderr = "";
    api.child.stderr!.on("data", (d) => (stderr += d));
    const sent = Date.now();
    api.child.kill("SIGTERM");
    const { code } = await ended(api, "the api's exit");
    const tookMs = Date.now() - sent;
    assert.equal(code, 0, stderr);
    assert.equal(
      stderr,
      "tracehop preprocess: api: stopping: waiting for 1 request still open: POST /preprocess-jobs\n" +
        "tracehop preprocess: api: stopping: 1 request still open after 10 s: closing its connection\n" +
        "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0\n",
    );
    assert.ok(tookMs >= 9_500, `ended ${tookMs} ms after the signal, before its 10 s`);
    await socketEnded; // the client's connection was closed by the api
  });

  // Found in review (rC): connections that sent no whole request (connected and silent, half a header block)
  // held the stop for good, and the grace closed nothing since no request was open.
  test("connections with no whole request are closed 10 s into a stop too, and the api ends, saying so", async (t) => {
    const { port, api } = await startApi(t, "api-requests");
    const sockets = ["", "POST /preprocess-jobs HTTP/1.1\r\nhost: 127.0.0.1\r\n"].map((sent) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(sent));
      socket.on("error", () => undefined);
      return socket;
    });
    let stderr = "";
    api.child.stderr!.on("data", (d) => (stderr += d));
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once("connect", resolve))));
    await answeredOnce(port); // the two connections, opened before it, are the api's
    api.child.kill("SIGTERM");
    const { code } = await ended(api, "the api's exit");
    for (const socket of sockets) socket.destroy();
    assert.equal(code, 0, stderr);
    assert.equal(
      stderr,
      "tracehop preprocess: api: stopping: 2 connections with no whole request after 10 s: closing their connections\n" +
        "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0\n",
    );
  });

  // Found in review (rC): a request cut by the grace failed in its transaction (the database disconnected
  // under it) and was logged with its whole stack as an unexpected failure.
  test("a request cut by the stop in the middle of its transaction is said in one line and stores nothing (PostgreSQL)", async (t) => {
    const database = await createDatabase("postgresql");
    if (typeof database === "string") return t.skip(database);
    t.after(() => database.drop());
    const url = new URL(database.url);
    url.searchParams.set("schema", database.schema!);
    const { port, api } = await startApi(t, "api-requests", url.href);
    const blocker = await connectPostgres();
    if (typeof blocker === "string") return t.skip(blocker);
    t.after(() => blocker.end());
    // The job's transaction writes its job row, then waits on the outbox, locked by another session.
    await blocker.query(`BEGIN; LOCK TABLE "${database.schema}"."Outbox" IN ACCESS EXCLUSIVE MODE`);
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(
        "POST /preprocess-jobs HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nOne.",
      ),
    );
    socket.on("error", () => undefined);
    let stderr = "";
    api.child.stderr!.on("data", (d) => (stderr += d));
    await until(async () => {
      const { rows } = await blocker.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
        [`"${database.schema}"."Outbox"`],
      );
      return (rows[0] as { n: number }).n > 0;
    });
    api.child.kill("SIGTERM");
    // The grace closes the connection at 10 s; the lock goes soon after, and the transaction ends.
    await until(() => stderr.includes("closing its connection"));
    await blocker.query("ROLLBACK");
    const { code } = await ended(api, "the api's exit");
    socket.destroy();
    assert.equal(code, 0, stderr);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 4, stderr);
    assert.equal(
      lines[0],
      "tracehop preprocess: api: stopping: waiting for 1 request still open: POST /preprocess-jobs",
    );
    assert.equal(
      lines[1],
      "tracehop preprocess: api: stopping: 1 request still open after 10 s: closing its connection",
    );
    assert.match(
      lines[2]!,
      /^tracehop preprocess: api: stopping: POST \/preprocess-jobs, its connection closed by the stop, ended with: \S/,
    );
    assert.equal(lines[3], "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0");
    const { rows } = await blocker.query(
      `SELECT (SELECT count(*)::int FROM "${database.schema}"."PreprocessJob") AS jobs, (SELECT count(*)::int FROM "${database.schema}"."Outbox") AS outbox`,
    );
    assert.deepEqual(rows[0], { jobs: 0, outbox: 0 });
  });
});

// Found trying the README as a new user: a response sent while the api stopped said `Connection:
// keep-alive`, and a client that kept its connection held the api's exit for the keep-alive timeout (5 s).
test("a request answered while the api stops is answered with Connection: close, and its connection closed by the api", async (t) => {
  const { port, api } = await startApi(t, "api-requests");
  const body = "One. Two.";
  // A keep-alive request (HTTP/1.1's default) whose body is not whole when the stop begins.
  const { socket, received: chunks } = await openRequest(port, "/preprocess-jobs", body.length);
  const socketEnded = new Promise<void>((resolve, reject) => {
    socket.on("end", () => resolve());
    socket.on("error", reject);
  });
  socket.write("One.");
  let stderr = "";
  api.child.stderr!.on("data", (d) => (stderr += d));
  api.child.kill("SIGTERM");
  await until(() => stderr.includes("still open"));
  socket.write(body.slice("One.".length));
  await socketEnded; // the api closes the connection after its answer
  const answer = Buffer.concat(chunks).toString("latin1").slice(CONTINUE.length);
  assert.match(answer, /^HTTP\/1\.1 201 Created\r\n/, answer);
  assert.match(answer, /\r\nConnection: close\r\n/i, answer);
  const { code } = await ended(api, "the api's exit");
  assert.equal(code, 0);
});
