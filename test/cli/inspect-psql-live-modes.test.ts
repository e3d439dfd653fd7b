// `tracehop inspect` on what psql prints in the modes whose reading was wrong or whose hint was generic:
// run for real against the PostgreSQL server (TRACEHOP_TEST_PG_URL points elsewhere; a server that does
// not answer, or psql not installed, skips with a sentence naming it), each output given to inspect as
// a user pipes it. The tables are named h5_live_* and h8_live_*, each dropped at the end.
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { propagation, trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { clientOutput, psql } from "../support/sql-clients.js";
import { run } from "./run-cli.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** A carrier holding a backslash in its tracestate value (valid there) and in a baggage member. */
const WITH_BACKSLASH = {
  traceparent: TRACEPARENT,
  tracestate: "h5=C:\\tmp",
  baggage: "path=C:\\tmp,ok=1",
};

describe("tracehop inspect on psql output read wrongly before (PostgreSQL)", () => {
  let skip: string | undefined;
  before(() => {
    const made = psql(
      [],
      `drop table if exists h5_live_carrier;
       create table h5_live_carrier (id int primary key, "traceContext" jsonb);
       insert into h5_live_carrier values
         (1, '${JSON.stringify(WITH_BACKSLASH)}'),
         (2, null),
         (3, '{"traceparent":"${TRACEPARENT}"}');`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) psql([], "drop table if exists h5_live_carrier");
  });

  test("psql -At -P null=NULL of a jsonb value holding a backslash: read as stored (psql's unaligned output has no escapes), as the restore reads the stored value", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const out = clientOutput(
      t,
      psql(["-At", "-P", "null=NULL"], 'select "traceContext" from h5_live_carrier order by id'),
    );
    if (out === undefined) return;
    // psql prints the jsonb text, its backslash written as JSON writes it, and the NULL row as NULL.
    assert.equal(
      out.split("\n")[0],
      `{"baggage": "path=C:\\\\tmp,ok=1", "tracestate": "h5=C:\\\\tmp", "traceparent": "${TRACEPARENT}"}`,
    );
    assert.equal(out.split("\n")[1], "NULL");
    const result = run(["inspect", "--json", "-"], out);
    assert.equal(result.code, 1, result.stderr); // row 2 is NULL
    const [first] = JSON.parse(result.stdout) as {
      valid: boolean;
      diagnostics: string[];
      baggageKeys: string[];
      context: { tracestate: string[] };
    }[];
    // What a restore of the stored value gives: the tracestate kept with its backslash.
    const restored = contextFromCarrier(WITH_BACKSLASH);
    assert.equal(trace.getSpanContext(restored)?.traceState?.serialize(), "h5=C:\\tmp");
    assert.deepEqual(first!.context.tracestate, ["h5=C:\\tmp"]);
    assert.deepEqual(first!.baggageKeys, ["ok"]);
    assert.deepEqual(
      propagation
        .getBaggage(restored)
        ?.getAllEntries()
        .map(([key]) => key),
      ["ok"],
    );
    // The baggage member dropped is the stored one (a backslash breaks the grammar; quoted as JSON
    // quotes it), not one holding a tab.
    const dropped = first!.diagnostics.find((d) => d.startsWith("baggage:"));
    assert.match(dropped ?? "", /\(the first: "path=C:\\\\tmp"\)$/);
    // Said how the line was read, and what to run for mysql --batch output, which prints alike.
    assert.match(first!.diagnostics[0]!, /^read as psql -At prints a jsonb column/);
    assert.match(first!.diagnostics[0]!, /mysql -N -B -r/);
  });

  test("psql -x -t drawn otherwise (unicode border 2, several records in border 0 or unicode, one record of two columns): said as psql's expanded output, with the psql flags to use (exit 2)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const EXPANDED =
      "tracehop inspect: the carrier is not valid JSON: it looks like psql's expanded output (-x, or \\x on), a line per column of each record: " +
      `print the rows one per line, not expanded: select the carrier column alone, psql -At -c 'select "traceContext" from ...'`;
    const styles: string[][] = [
      ["-P", "linestyle=unicode", "-P", "border=2"],
      ["-P", "linestyle=unicode"],
      ["-P", "border=0"],
      ["-P", "linestyle=unicode", "-P", "border=0"],
    ];
    const queries = [
      'select "traceContext" from h5_live_carrier where id = 3',
      'select "traceContext" from h5_live_carrier order by id',
      'select id, "traceContext" from h5_live_carrier order by id',
      'select id, "traceContext" from h5_live_carrier where id = 3',
    ];
    for (const style of styles)
      for (const query of queries) {
        const out = clientOutput(t, psql(["-x", "-t", ...style], query));
        if (out === undefined) return;
        const what = `psql -x -t ${style.join(" ")} -c '${query}'`;
        const result = run(["inspect", "-"], out);
        assert.equal(result.code, 2, what);
        assert.equal(result.stdout, "", what);
        assert.ok(result.stderr.startsWith(EXPANDED), `${what}: ${result.stderr}`);
      }
  });
});

describe("tracehop inspect on psql -x -t of an expression without an alias, and of two records in border 2 (PostgreSQL)", () => {
  const EXPANDED =
    "tracehop inspect: the carrier is not valid JSON: it looks like psql's expanded output (-x, or \\x on), a line per column of each record: " +
    `print the rows one per line, not expanded: select the carrier column alone, psql -At -c 'select "traceContext" from ...', ` +
    "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t' (-X skips a psqlrc that turns \\x on); ";
  const STYLES: string[][] = [
    ["-P", "border=0"],
    ["-P", "border=1"],
    ["-P", "border=2"],
    ["-P", "linestyle=unicode", "-P", "border=0"],
    ["-P", "linestyle=unicode"],
    ["-P", "linestyle=unicode", "-P", "border=2"],
  ];
  let skip: string | undefined;
  before(() => {
    // The carrier kept inside another JSON column, as an outbox's payload holds it: payload->'traceContext'
    // selects it, an expression psql names ?column?.
    const made = psql(
      [],
      `drop table if exists h8_live_unnamed;
       create table h8_live_unnamed (id int primary key, payload jsonb);
       insert into h8_live_unnamed values
         (1, '{"traceContext": {"traceparent": "${TRACEPARENT}"}}'),
         (2, null),
         (3, '{"traceContext": {"traceparent": "${TRACEPARENT}"}}');`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) psql([], "drop table if exists h8_live_unnamed");
  });

  /** inspect's refusal of what psql prints for `options` and `query`, said as psql's expanded output. */
  function assertExpanded(t: TestContext, options: readonly string[], query: string): boolean {
    const out = clientOutput(t, psql(options, query));
    if (out === undefined) return false;
    const what = `psql ${options.join(" ")} -c '${query}'`;
    const result = run(["inspect", "-"], out);
    assert.equal(result.code, 2, what);
    assert.equal(result.stdout, "", what);
    assert.ok(result.stderr.startsWith(EXPANDED), `${what}:\n${out}\n${result.stderr}`);
    return true;
  }

  test("a column psql names ?column? (an expression without an alias), in every border and line style: said as expanded output, the query naming traceContext (?column? is no column to select)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const queries = [
      "select payload->'traceContext' from h8_live_unnamed where id = 1",
      "select payload->'traceContext' from h8_live_unnamed order by id",
      "select id, payload->'traceContext' from h8_live_unnamed where id = 1",
      "select id, payload->'traceContext' from h8_live_unnamed order by id",
    ];
    for (const style of STYLES)
      for (const query of queries) if (!assertExpanded(t, ["-x", "-t", ...style], query)) return;
  });

  test("two records under border 2, ASCII or unicode (one border line between them): said as expanded output", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const style of [STYLES[2]!, STYLES[5]!])
      for (const columns of [
        `payload->'traceContext' as "traceContext"`,
        `id, payload->'traceContext' as "traceContext"`,
        "payload->'traceContext'",
        "id, payload->'traceContext'",
      ])
        for (const ids of ["1, 3", "1, 2", "2, 3"]) {
          const query = `select ${columns} from h8_live_unnamed where id in (${ids}) order by id`;
          if (!assertExpanded(t, ["-x", "-t", ...style], query)) return;
        }
  });

  test("the same rows as a table in border 2 (not expanded: the names, a border line, the rows): still a table", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const style of [STYLES[2]!, STYLES[5]!])
      for (const footer of [[], ["-P", "footer=off"]])
        for (const columns of [`payload->'traceContext' as "traceContext"`, `id, payload->'traceContext'`]) {
          const query = `select ${columns} from h8_live_unnamed where id in (1, 3) order by id`;
          const out = clientOutput(t, psql([...style, ...footer], query));
          if (out === undefined) return;
          const result = run(["inspect", "-"], out);
          assert.equal(result.code, 2, query);
          assert.doesNotMatch(result.stderr, /expanded output/, `${query}:\n${out}`);
          assert.match(result.stderr, /psql's aligned output/, `${query}:\n${out}`);
        }
  });
});
