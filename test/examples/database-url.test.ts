import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { databaseKind } from "../../examples/preprocess/db.js";

// The kind of database DATABASE_URL names (examples/preprocess/db.ts), or what is wrong with it.
describe("databaseKind: what DATABASE_URL names, or what to write instead", () => {
  test("each supported kind", () => {
    for (const [url, kind] of [
      ["file:./x.db", "sqlite"],
      ["postgresql://u:p%2Fw@h:5432/x?schema=s", "postgresql"],
      ["postgres://h/x", "postgresql"],
      // An "@" in the query, an empty user: still URLs the drivers read.
      ["postgresql://u@h/x?application_name=a@b", "postgresql"],
      ["postgresql://@h/x", "postgresql"],
      ["mysql://root:p%23w@h/x", "mysql"],
      ["mariadb://h/x", "mysql"],
    ] as const)
      assert.equal(databaseKind(url), kind, url);
  });

  test("an empty one is said to be empty, with what to write", () => {
    assert.throws(() => databaseKind(""), {
      message:
        "DATABASE_URL is empty: unset it to use the embedded SQLite file, or set it to file:PATH (SQLite), postgresql://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL, optional ?schema=NAME) or mysql://USER:PASSWORD@HOST:PORT/DATABASE (MySQL/MariaDB)",
    });
  });

  test("a server URL the parser refuses: percent-encode the user name and password, nothing of it shown", () => {
    for (const url of [
      "postgresql://u:pa/ss@h/x",
      "postgresql://u:p#ss@h/x",
      "postgresql://u:p?ss@h/x",
      "mysql://u:p#ss@h/x",
      // A "%" not followed by two hex digits: the drivers' decoding throws.
      "postgresql://u:100%@h/x",
    ]) {
      assert.throws(
        () => databaseKind(url),
        (err: Error) => {
          assert.match(
            err.message,
            /^DATABASE_URL \(.*\) cannot be read as a URL \(.+\): percent-encode the special characters of the user name and password \(\/ as %2F, # as %23/,
            url,
          );
          assert.doesNotMatch(err.message, /ss@|100%@|start the database server/i, url);
          return true;
        },
      );
    }
  });

  test("white space before or after it: said to be removed, the URL shown without it, in one line", () => {
    // Guards against " postgresql://…" answered "not supported" (its scheme shown), "file:x.db\n" naming
    // another file than the one meant, and the drivers' URL parser reading "postgresql://…\n" without it.
    for (const [url, shown, why] of [
      [" postgresql://u:secret@h/x", "postgresql://u:***@h/x", "at its start (a space)"],
      ["postgresql://u:secret@h/x\n", "postgresql://u:***@h/x", "at its end (a line break)"],
      ["mysql://h/x\r\n", "mysql://h/x", "at its end (a line break)"],
      ["\tfile:./x.db ", "file:./x.db", "at its start and end (a tab, a space)"],
    ] as const)
      assert.throws(
        () => databaseKind(url),
        {
          message: `DATABASE_URL (${shown}) has white space ${why}: remove it`,
        },
        JSON.stringify(url),
      );
  });

  test("a kind not supported names the forms accepted", () => {
    assert.throws(() => databaseKind("mongodb://u:secret@h/x"), {
      message:
        "DATABASE_URL (mongodb://u:***@h/x) is not supported: use file:PATH (SQLite), postgresql://... (PostgreSQL, optional ?schema=NAME) or mysql://... (MySQL/MariaDB)",
    });
  });
});
