import assert from "node:assert/strict";
import { spawnSyncGuarded } from "../support/child-script.js";
import { afterEach, describe, test } from "node:test";
import fc from "fast-check";
import {
  connectTimeoutMs,
  formatDuration,
  MAX_QUEUE_NAME_BYTES,
  queueName,
  isSecretParameter,
  NOT_A_URL,
  redact,
  setting,
  QUEUE_PROCESS_SETTINGS,
  settingProblems,
  shutdownTimeoutMs,
  UNSEEN_IN_A_TERMINAL,
} from "../../examples/preprocess/config.js";
import { TERMINAL_CONTROLS } from "../../src/cli/report.js";
import { MAX_RETRY_DELAY_MS, retryQueue } from "../../examples/preprocess/queue-amqp.js";
import { deadLetterQueue } from "../../examples/preprocess/queue.js";

// The main job's own settings (examples/preprocess/config.ts), read from the environment.
describe("the main job's number settings", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of [
      "TRACEHOP_POLL_MS",
      "TRACEHOP_JOB_TIMEOUT_MS",
      "TRACEHOP_START_TIMEOUT_MS",
      "TRACEHOP_CONNECT_TIMEOUT_MS",
      "TRACEHOP_SHUTDOWN_TIMEOUT_MS",
      "PORT",
      "TRACEHOP_QUEUE",
      "AMQP_URL",
    ])
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
  });

  test("plain decimal integers in range are read; unset or empty is the default", () => {
    for (const [text, value] of [
      ["10", 10],
      ["50", 50],
      ["050", 50],
      ["2147483647", 2147483647],
      ["", 100],
      [undefined, 100],
    ] as const) {
      if (text === undefined) delete process.env.TRACEHOP_POLL_MS;
      else process.env.TRACEHOP_POLL_MS = text;
      assert.deepEqual([setting("TRACEHOP_POLL_MS"), settingProblems()], [value, []], String(text));
    }
    process.env.PORT = "0";
    assert.deepEqual([setting("PORT"), settingProblems(["PORT"])], [0, []]);
  });

  test("anything else is refused with a message naming the variable and what to write, never read as Number() reads it", () => {
    // Number() reads these as 16, 50, 1000, 5, 5, 10 (and the last two are out of range).
    // 1 to 9 too: a poll every millisecond or so keeps a core busy with queries and finds nothing sooner.
    for (const text of [
      "0x10",
      " 50 ",
      "50\n",
      "1e3",
      "+5",
      "5.0",
      "0b1010",
      "abc",
      "0",
      "1",
      "9",
      "2147483648",
    ]) {
      process.env.TRACEHOP_POLL_MS = text;
      assert.equal(setting("TRACEHOP_POLL_MS"), 100, JSON.stringify(text));
      assert.deepEqual(settingProblems(["TRACEHOP_POLL_MS"]), [
        `TRACEHOP_POLL_MS=${JSON.stringify(text)} is not a poll interval: write a whole number of milliseconds from 10 to 2147483647 in decimal digits, or unset it for 100`,
      ]);
    }
  });

  test("TRACEHOP_CONNECT_TIMEOUT_MS: 10 s by default, read at each call, checked as the other timeouts", () => {
    delete process.env.TRACEHOP_CONNECT_TIMEOUT_MS;
    assert.deepEqual([connectTimeoutMs(), settingProblems(["TRACEHOP_CONNECT_TIMEOUT_MS"])], [10_000, []]);
    process.env.TRACEHOP_CONNECT_TIMEOUT_MS = "2500";
    assert.equal(connectTimeoutMs(), 2_500);
    process.env.TRACEHOP_CONNECT_TIMEOUT_MS = "10s";
    assert.deepEqual(
      [connectTimeoutMs(), settingProblems()],
      [
        10_000,
        [
          'TRACEHOP_CONNECT_TIMEOUT_MS="10s" is not a timeout: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 10000',
        ],
      ],
    );
    assert.deepEqual(
      [formatDuration(10_000), formatDuration(1_000), formatDuration(300), formatDuration(1_500)],
      ["10 s", "1 s", "300 ms", "1500 ms"],
    );
  });

  test("TRACEHOP_SHUTDOWN_TIMEOUT_MS: startTracing's 5 s by default, read at each call, checked as the timeouts, and by the api, relay and worker", () => {
    delete process.env.TRACEHOP_SHUTDOWN_TIMEOUT_MS;
    assert.deepEqual([shutdownTimeoutMs(), settingProblems(["TRACEHOP_SHUTDOWN_TIMEOUT_MS"])], [5_000, []]);
    process.env.TRACEHOP_SHUTDOWN_TIMEOUT_MS = "60000";
    assert.equal(shutdownTimeoutMs(), 60_000);
    for (const text of ["0", "5s", "1e4", "-1", "2147483648"]) {
      process.env.TRACEHOP_SHUTDOWN_TIMEOUT_MS = text;
      assert.deepEqual(
        [shutdownTimeoutMs(), settingProblems()],
        [
          5_000,
          [
            `TRACEHOP_SHUTDOWN_TIMEOUT_MS=${JSON.stringify(text)} is not a shutdown bound: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 5000`,
          ],
        ],
      );
    }
    // The relay and the worker check it at their start (the api's list is in api.ts, tried in stop-signals.test.ts).
    assert.equal(settingProblems(QUEUE_PROCESS_SETTINGS).length, 1);
  });

  test("a value with a character a terminal shows as nothing or as an ASCII digit is quoted with it escaped, so the message shows what is wrong", () => {
    // A zero width space and a no-break space pasted after the digits, full-width digits (an input method
    // for Japanese or Chinese), a right-to-left mark before them: echoed as they are, "5000" read as
    // "5000" is not a shutdown bound.
    for (const [text, shown] of [
      ["5000\u200b", String.raw`"5000\u200b"`],
      ["5000\u00a0", String.raw`"5000\u00a0"`],
      ["\uff15\uff10\uff10\uff10", String.raw`"\uff15\uff10\uff10\uff10"`],
      ["\u200f5000", String.raw`"\u200f5000"`],
      ["5000\n", String.raw`"5000\n"`],
    ]) {
      process.env.TRACEHOP_SHUTDOWN_TIMEOUT_MS = text;
      assert.deepEqual(settingProblems(["TRACEHOP_SHUTDOWN_TIMEOUT_MS"]), [
        `TRACEHOP_SHUTDOWN_TIMEOUT_MS=${shown} is not a shutdown bound: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 5000`,
      ]);
    }
  });

  test("every setting is checked, each process's own ones on their own", () => {
    process.env.TRACEHOP_POLL_MS = "0x10";
    process.env.TRACEHOP_JOB_TIMEOUT_MS = "1e4";
    process.env.TRACEHOP_START_TIMEOUT_MS = "600000";
    process.env.PORT = "65536";
    assert.deepEqual(settingProblems(), [
      'TRACEHOP_POLL_MS="0x10" is not a poll interval: write a whole number of milliseconds from 10 to 2147483647 in decimal digits, or unset it for 100',
      'TRACEHOP_JOB_TIMEOUT_MS="1e4" is not a timeout: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 60000',
      'PORT="65536" is not a TCP port: write a whole number from 0 to 65535 in decimal digits, or unset it for 0 (any free port)',
    ]);
    assert.equal(settingProblems(["PORT"]).length, 1);
    assert.deepEqual(settingProblems(["TRACEHOP_START_TIMEOUT_MS"]), []);
    assert.equal(setting("TRACEHOP_START_TIMEOUT_MS"), 600_000);
  });

  test("TRACEHOP_QUEUE: unset or empty is the default name, as the other settings", () => {
    delete process.env.TRACEHOP_QUEUE;
    assert.equal(queueName(), "preprocess-jobs");
    process.env.TRACEHOP_QUEUE = "";
    assert.equal(queueName(), "preprocess-jobs");
    process.env.AMQP_URL = "amqp://127.0.0.1";
    assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), []);
    process.env.TRACEHOP_QUEUE = "jobs";
    assert.equal(queueName(), "jobs");
  });

  test("TRACEHOP_QUEUE: a name RabbitMQ cannot take, once the example's suffixes are added, is refused with what to write", () => {
    // The longest name the example derives from a base: a tag of 64 characters (the longest an operator may
    // store), then the retry queue of the longest delay.
    const longest = (base: string) => retryQueue(`${base}.${"t".repeat(64)}`, MAX_RETRY_DELAY_MS);
    assert.ok(deadLetterQueue("x").length < retryQueue("x", MAX_RETRY_DELAY_MS).length);
    const fits = "q".repeat(MAX_QUEUE_NAME_BYTES);
    assert.equal(Buffer.byteLength(longest(fits)), 255);
    process.env.AMQP_URL = "amqp://127.0.0.1";
    process.env.TRACEHOP_QUEUE = fits;
    assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), []);
    // Bytes of UTF-8, not characters: 88 "é" are 176 bytes.
    for (const [name, bytes] of [
      [`${fits}q`, MAX_QUEUE_NAME_BYTES + 1],
      ["é".repeat(88), 176],
      ["x".repeat(300), 300],
    ] as const) {
      process.env.TRACEHOP_QUEUE = name;
      assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), [
        `TRACEHOP_QUEUE is ${bytes} bytes of UTF-8 long: RabbitMQ takes queue names of at most 255 bytes and the example adds up to 80 (.<queue tag>.retry.120000ms): write a name of at most ${MAX_QUEUE_NAME_BYTES} bytes, or unset it for preprocess-jobs`,
      ]);
    }
    process.env.TRACEHOP_QUEUE = "amq.jobs";
    assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), [
      'TRACEHOP_QUEUE="amq.jobs" starts with amq., which RabbitMQ reserves for its own queues: write another name, or unset it for preprocess-jobs',
    ]);
    // Quoted with DEL, a C1 control and a bidi override escaped, as the C0 ones are: the line reaches a terminal.
    for (const [name, shown, code] of [
      ["jobs\n", '"jobs\\n"', "U+000A"],
      ["a\tb", '"a\\tb"', "U+0009"],
      ["x\u007f", '"x\\u007f"', "U+007F"],
      ["x\u0085y", '"x\\u0085y"', "U+0085"],
      ["\u202ex\u009b2J", '"\\u202ex\\u009b2J"', "U+009B"],
    ] as const) {
      process.env.TRACEHOP_QUEUE = name;
      assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), [
        `TRACEHOP_QUEUE=${shown} has a control character (${code}): write a name without one, or unset it for preprocess-jobs`,
      ]);
    }
    process.env.TRACEHOP_QUEUE = "amq.\u202ebojs";
    assert.deepEqual(settingProblems(["TRACEHOP_QUEUE"]), [
      'TRACEHOP_QUEUE="amq.\\u202ebojs" starts with amq., which RabbitMQ reserves for its own queues: write another name, or unset it for preprocess-jobs',
    ]);
    // Checked with every setting; the embedded queue's table takes any length and amq., but a control
    // character, which would break the lines that name the queue (READY), is refused there too.
    process.env.TRACEHOP_QUEUE = "amq.jobs";
    assert.equal(settingProblems().length, 1);
    delete process.env.AMQP_URL;
    assert.deepEqual(settingProblems(), []);
    process.env.AMQP_URL = "";
    assert.deepEqual(settingProblems(), []);
    process.env.TRACEHOP_QUEUE = `${"q".repeat(300)}`;
    assert.deepEqual(settingProblems(), []);
    process.env.TRACEHOP_QUEUE = "a\tb";
    assert.deepEqual(settingProblems(), [
      'TRACEHOP_QUEUE="a\\tb" has a control character (U+0009): write a name without one, or unset it for preprocess-jobs',
    ]);
  });
});

// One redact for every message that names a URL (main.ts, queue-amqp.ts, the database check).
describe("redact: a URL for a message, its password hidden", () => {
  test("the password of the user part becomes ***, the rest is kept as written", () => {
    for (const [url, shown] of [
      ["amqp://guest:secret@127.0.0.1:1", "amqp://guest:***@127.0.0.1:1"],
      ["postgresql://u:secret@db:5432/x?schema=s", "postgresql://u:***@db:5432/x?schema=s"],
      ["mysql://root:secret@127.0.0.1:1/x", "mysql://root:***@127.0.0.1:1/x"],
      // An "@" or ":" in the password: the user part ends at the last "@" of the authority.
      ["amqp://u:p@ss:w@host/v", "amqp://u:***@host/v"],
      ["http://u:secret@host", "http://u:***@host"],
      // Nothing to hide: as written, not normalised (URL.toString() would give file:///x.db, http://h/).
      ["file:./x.db", "file:./x.db"],
      ["http://h", "http://h"],
      ["postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"],
      ["amqp://guest:@host", "amqp://guest:@host"],
      // The password pg also reads from the query.
      [
        "postgresql://h/x?user=u&password=secret&sslmode=off",
        "postgresql://h/x?user=u&password=***&sslmode=off",
      ],
    ] as const)
      assert.equal(redact(url), shown, url);
  });

  test("every query parameter whose name holds a secret is hidden, in any case, repeated, in its place", () => {
    for (const [url, shown] of [
      // libpq's key file password, which pg reads from the URL.
      [
        "postgresql://postgres@127.0.0.1:5999/test?sslpassword=s3cret",
        "postgresql://postgres@127.0.0.1:5999/test?sslpassword=***",
      ],
      [
        "postgresql://h/x?sslmode=require&SSLPassword=a&schema=s",
        "postgresql://h/x?sslmode=require&SSLPassword=***&schema=s",
      ],
      ["mysql://u@h/x?passwd=a&pwd=b&pass=c", "mysql://u@h/x?passwd=***&pwd=***&pass=***"],
      // The key file's path is shown, as the certificate's is.
      [
        "mysql://u@h/x?sslpassphrase=a&ssl_key=/k.pem&sslcert=/c.pem",
        "mysql://u@h/x?sslpassphrase=***&ssl_key=/k.pem&sslcert=/c.pem",
      ],
      ["postgresql://h/x?sslkey=/k.pem&sslpassword=a", "postgresql://h/x?sslkey=/k.pem&sslpassword=***"],
      [
        "amqp://h?client_secret=a&access_token=b&apikey=c&credentials=d",
        "amqp://h?client_secret=***&access_token=***&apikey=***&credentials=***",
      ],
      // Repeated: each one; a value with "+" or "%": all of it; the fragment is kept.
      ["postgresql://h/x?password=a&password=b%26c+d#top", "postgresql://h/x?password=***&password=***#top"],
      // Both places at once.
      ["postgresql://u:pw@h/x?sslpassword=s", "postgresql://u:***@h/x?sslpassword=***"],
      // Parameters that hold no secret are shown.
      [
        "postgresql://h/x?user=u&schema=s&sslmode=verify-full",
        "postgresql://h/x?user=u&schema=s&sslmode=verify-full",
      ],
    ] as const)
      assert.equal(redact(url), shown, url);
    // A name the parser decodes into a secret one: hidden, whatever the text as written says.
    assert.equal(redact("postgresql://h/x?pass%77ord=secret"), "postgresql://h/x?pass%77ord=***");
    assert.doesNotMatch(redact("postgresql://h/x?ssl%70assword=s3cret"), /s3cret/);
    assert.doesNotMatch(redact("postgresql://h/x?%zz=1&sslpassword=s3cret"), /s3cret/);
  });

  test("isSecretParameter: the names that hold secrets, and the usual ones that do not", () => {
    for (const name of [
      "password",
      "PASSWORD",
      "sslpassword",
      "passwd",
      "pass",
      "passphrase",
      "pwd",
      "secret",
      "client_secret",
      "token",
      "api_key",
      "apikey",
      "X-API-Key",
      "credential",
      "auth",
      "authorization",
    ])
      assert.equal(isSecretParameter(name), true, name);
    for (const name of [
      "user",
      "schema",
      "sslmode",
      "sslcert",
      "sslrootcert",
      "sslkey",
      "ssl_key",
      "ssl-key",
      "host",
      "port",
      "connect_timeout",
      "application_name",
      "heartbeat",
      "frameMax",
    ])
      assert.equal(isSecretParameter(name), false, name);
  });

  test("secrets in the fragment, in a value, in ;name=value segments and in a file: URL are hidden too", () => {
    for (const [url, shown] of [
      // The fragment, read as a query is.
      ["postgresql://h/x#password=secret", "postgresql://h/x#password=***"],
      ["amqp://h/v#a=1&token=t&b=2", "amqp://h/v#a=1&token=***&b=2"],
      ["postgresql://h/x?schema=s#top", "postgresql://h/x?schema=s#top"],
      // Names of tokens and keys.
      ["amqp://h?auth=abc", "amqp://h?auth=***"],
      ["http://h/x?token=t&apikey=k&api_key=k2&x=1", "http://h/x?token=***&apikey=***&api_key=***&x=1"],
      // A value holding a secret name=value: libpq's options, written with %20 or "+" or a raw space.
      ["postgresql://h/x?options=-c%20password%3Dsecret", "postgresql://h/x?options=***"],
      ["postgresql://h/x?options=-c+search_path%3Ds+-c+password%3Dsecret", "postgresql://h/x?options=***"],
      ["postgresql://h/x?a=1;password=secret&b=2", "postgresql://h/x?a=***&b=2"],
      ["postgresql://h/x?options=-c%20search_path%3Ds", "postgresql://h/x?options=-c%20search_path%3Ds"],
      // JDBC and SQL Server: ;name=value segments, in the path or in the authority.
      ["jdbc:postgresql://h/x;password=secret", "jdbc:postgresql://h/x;password=***"],
      ["sqlserver://h;user=u;password=secret;encrypt=true", "sqlserver://h;user=u;password=***;encrypt=true"],
      ["postgresql://h/x;user=u;password=secret?schema=s", "postgresql://h/x;user=u;password=***?schema=s"],
      // A file: URL: the query (part of the file name for the SQLite driver) as written, secrets hidden.
      ["file:./x.db?mode=ro", "file:./x.db?mode=ro"],
      ["file:./x.db?password=secret&mode=ro", "file:./x.db?password=***&mode=ro"],
      ["file:./x.db#password=secret", "file:./x.db#password=***"],
      ["file:/tmp/x.db;password=secret", "file:/tmp/x.db;password=***"],
    ] as const)
      assert.equal(redact(url), shown, url);
  });

  test("a random password in any of these places is never shown", () => {
    // Each place, given the password as the user writes it there (percent-encoded).
    const places: ((encoded: string) => string)[] = [
      (p) => `postgresql://u:${p}@h:5432/x`,
      (p) => `amqp://guest:${p}@h/v?heartbeat=5`,
      (p) => `mysql://root:${p}@h/x#top`,
      (p) => `postgresql://h/x?user=u&password=${p}&sslmode=off`,
      (p) => `postgresql://h/x?SSLPassword=${p}`,
      (p) => `postgresql://h/x#password=${p}`,
      (p) => `amqp://h?auth=${p}`,
      (p) => `http://h/x?token=${p}`,
      (p) => `http://h/x?apikey=${p}&api_key=${p}`,
      (p) => `postgresql://h/x?options=-c%20password%3D${p}`,
      (p) => `jdbc:postgresql://h/x;password=${p}`,
      (p) => `sqlserver://h;user=u;password=${p};encrypt=true`,
      (p) => `file:./x.db?password=${p}`,
      (p) => `file:./x.db#password=${p}`,
    ];
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.nat({ max: places.length - 1 }), (middle, place) => {
        // Markers at both ends: a password cut anywhere shows one of them.
        const password = `Qz7${middle}Jx4`;
        const url = places[place]!(encodeURIComponent(password));
        const shown = redact(url);
        assert.doesNotMatch(shown, /Qz7|Jx4/, url);
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  test("a text that is not a URL is not shown at all", () => {
    // Where a password would be in these cannot be told (the old main.ts copy printed them as they were).
    for (const text of ["root:secret@host/x", "amqp://u:pa/ss@host", "mysql://u:p#ss@host/x", "secret", ""])
      assert.equal(redact(text), NOT_A_URL, text);
  });

  test("where the text and the URL parser disagree, the parser's reading, normalised, password hidden", () => {
    // In an http: URL "\" ends the authority as "/" does: the host is "h", not "x".
    assert.equal(redact("http://u:pw@h\\@x"), "http://u:***@h/@x");
    // A tab inside a name, which the parser drops: "pwd" to the drivers.
    assert.equal(redact("mysql://h/x?p\twd=secret&a=b"), "mysql://h/x?pwd=***&a=b");
  });
});

// Review (new-user trial): a relay or worker started by hand said its exit code in its exit-1 line (`…; exiting
// with code 1 to be started again`) but not in its exit-2 line, a refusal of bad input (`tracehop preprocess:
// relay: TRACEHOP_POLL_MS="5" is not a poll interval: …`). A named process's every ending line says its code;
// `npm start`'s and `npm run migrate`'s refusals (unnamed) are one line that says what to fix, as before.
describe("exitForBadInput: the exit-2 line", () => {
  /** Runs config.ts exitForBadInput(`message`) in a new Node process, named `name` first if given. */
  function refusal(name?: string, message = "x is bad: fix it"): { status: number | null; stderr: string } {
    const config = new URL("../../examples/preprocess/config.ts", import.meta.url).href;
    const script =
      `const c = await import(${JSON.stringify(config)});` +
      (name === undefined ? "" : `c.nameProcess(${JSON.stringify(name)});`) +
      `c.exitForBadInput(${JSON.stringify(message)});`;
    const r = spawnSyncGuarded(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {},
      `exitForBadInput in a child process (name ${name ?? "none"})`,
    );
    return { status: r.status, stderr: r.stderr };
  }

  test("of the api, the relay or the worker says its code, as their exit-1 line does", () => {
    for (const name of ["api", "relay", "worker"])
      assert.deepEqual(refusal(name), {
        status: 2,
        stderr: `tracehop preprocess: ${name}: x is bad: fix it; exiting with code 2\n`,
      });
    // A message that ends with a full stop loses it before the code.
    assert.deepEqual(refusal("relay", "x is bad. Fix it."), {
      status: 2,
      stderr: "tracehop preprocess: relay: x is bad. Fix it; exiting with code 2\n",
    });
  });

  test("of npm start or npm run migrate (no name) is the line that says what to fix", () => {
    assert.deepEqual(refusal(), { status: 2, stderr: "tracehop preprocess: x is bad: fix it\n" });
  });
});

describe("the characters the main job escapes in a path", () => {
  test("are those tracehop inspect escapes in its messages, code unit by code unit (a copy in the example, which uses only tracehop's public entry points)", () => {
    // Each set read without its global flag (no lastIndex carried between tests), over every UTF-16 code unit.
    const example = new RegExp(UNSEEN_IN_A_TERMINAL.source, UNSEEN_IN_A_TERMINAL.flags.replace("g", ""));
    const library = new RegExp(TERMINAL_CONTROLS.source, TERMINAL_CONTROLS.flags.replace("g", ""));
    const differ: string[] = [];
    let escaped = 0;
    for (let unit = 0; unit <= 0xffff; unit++) {
      const c = String.fromCharCode(unit);
      if (example.test(c) !== library.test(c)) differ.push(`U+${unit.toString(16).padStart(4, "0")}`);
      if (library.test(c)) escaped++;
    }
    assert.deepEqual(differ, []);
    // Both are global, as String.prototype.replace needs to escape every one, and the set is the one documented.
    assert.ok(UNSEEN_IN_A_TERMINAL.global && TERMINAL_CONTROLS.global);
    assert.equal(escaped, 32 + 33 + 1 + 5 + 2 + 5 + 1 + 4 + 1);
  });
});
