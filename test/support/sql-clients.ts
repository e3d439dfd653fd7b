import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";
import { MYSQL_URL, PG_URL } from "../prisma/databases.js";

/** What a client run printed on standard output, or the reason it could not run: a skip reason naming it. */
export type ClientRun = string | { out: string };

/**
 * What `command args` prints on standard output, or the reason it cannot be run (not installed, or it
 * failed: a server that does not answer, `what` naming it: its URL, a file), as a skip reason naming the
 * client (`sqlite3`, or through {@link psql} and {@link mariadb}).
 */
export function client(command: string, args: readonly string[], what?: string): ClientRun {
  try {
    return { out: execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    return e.code === "ENOENT"
      ? `${command} is not installed`
      : `${command} failed${what === undefined ? "" : ` (${what})`}: ${String(e.stderr ?? e.message).trim()}`;
  }
}

/** The output of `psql -X -q -v ON_ERROR_STOP=1 <options> -c sql` on the server of PG_URL, or the skip reason. */
export function psql(options: readonly string[], sql: string): ClientRun {
  return client("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...options, "-c", sql, PG_URL], PG_URL);
}

/** The output of `mariadb <options> -e sql` on the server and database of MYSQL_URL, or the skip reason. */
export function mariadb(options: readonly string[], sql: string): ClientRun {
  const url = new URL(MYSQL_URL);
  return client(
    "mariadb",
    [
      "-h",
      url.hostname,
      "-P",
      url.port || "3306",
      "-u",
      decodeURIComponent(url.username),
      ...(url.password === "" ? [] : [`-p${decodeURIComponent(url.password)}`]),
      url.pathname.slice(1),
      ...options,
      "-e",
      sql,
    ],
    MYSQL_URL,
  );
}

/** `out` of a client's run, or the test skipped with its reason (`undefined`). */
export function clientOutput(t: TestContext, result: ClientRun): string | undefined {
  if (typeof result === "string") {
    t.skip(result);
    return undefined;
  }
  return result.out;
}
