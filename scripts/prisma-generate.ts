/**
 * Generates the three Prisma clients of the main job into generated/prisma/{sqlite,postgresql,mysql}
 * (the schemas of prisma/), with the native schema engine replaced by `/bin/true` unless
 * PRISMA_SCHEMA_ENGINE_BINARY says otherwise (`prisma generate` does not run it: DEVELOPERS.md).
 *
 *   node --import tsx scripts/prisma-generate.ts             generate all three
 *   node --import tsx scripts/prisma-generate.ts --if-stale  only when generated/ lacks a client, or
 *                                                             the schemas or the Prisma versions changed
 *                                                             since the last generation (silent otherwise)
 *
 * `npm start`, `npm run build` (so `npm test`) and `npm run typecheck` run it with `--if-stale`: no `prepare`
 * script in the package (a consumer installing its tarball is offered no install script, and packing it needs no
 * Prisma), so a fresh clone generates the clients on its first start or test. The stamp
 * (generated/prisma/stamp.json) records what the clients were generated from; it is removed when a
 * generation starts and written when all three clients are, so one that failed part way is redone. A
 * generation runs under the lock the build of dist/ takes: two started together take turns, and the second
 * finds the clients up to date.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runChild, withBuildLock } from "./build-lock.js";

const ROOT = join(import.meta.dirname, "..");
const require = createRequire(join(ROOT, "package.json"));
/** Each schema and the client it generates. */
const SCHEMAS = [
  { schema: "prisma/schema.prisma", client: "generated/prisma/sqlite/client.ts" },
  { schema: "prisma/postgresql/schema.prisma", client: "generated/prisma/postgresql/client.ts" },
  { schema: "prisma/mysql/schema.prisma", client: "generated/prisma/mysql/client.ts" },
];
const STAMP = join(ROOT, "generated/prisma/stamp.json");

/** The version of an installed package, or `"missing"`. */
function versionOf(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string })
      .version;
  } catch {
    return "missing";
  }
}

/** What the clients are generated from: the Prisma versions and a digest of the schemas' text. */
function stampNow(): string {
  const digest = createHash("sha256");
  for (const { schema } of SCHEMAS) digest.update(readFileSync(join(ROOT, schema)));
  return JSON.stringify({
    prisma: versionOf("prisma"),
    client: versionOf("@prisma/client"),
    schemas: digest.digest("hex"),
  });
}

const ifStale = process.argv.includes("--if-stale");
/** Whether the clients are all there and generated from the schemas and Prisma versions as they are now. */
const upToDate = () =>
  SCHEMAS.every(({ client }) => existsSync(join(ROOT, client))) &&
  existsSync(STAMP) &&
  readFileSync(STAMP, "utf8").trim() === stampNow();

// Up to date: silent, without the lock. Else under the build lock (scripts/build-lock.ts), looked at again:
// a generation that ran while this one waited has usually done the work.
if (ifStale && upToDate()) process.exit(0);
process.exit(
  await withBuildLock(ROOT, "generation of the Prisma clients", async () => {
    if (ifStale) {
      if (upToDate()) return 0;
      console.log(
        SCHEMAS.every(({ client }) => existsSync(join(ROOT, client)))
          ? "prisma: the schemas or the Prisma versions changed since the clients were generated: generating them again"
          : "prisma: generating the Prisma clients into generated/prisma (a fresh clone has none)",
      );
    }
    const stamp = stampNow();
    const env = {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || "/bin/true",
    };
    const cli = require.resolve("prisma/build/index.js");
    // No stamp from here until every client is generated: a generation that fails or is stopped part way
    // may leave generated/ half-written, and the stamp of the one before would then call it up to date.
    rmSync(STAMP, { force: true });
    for (const { schema } of SCHEMAS) {
      // Run by the lock's runChild: Ctrl-C or SIGTERM stops the generation with the shell's exit code for it.
      const code = await runChild(process.execPath, [cli, "generate", "--schema", schema], {
        cwd: ROOT,
        env,
      });
      if (code !== 0) {
        console.error(
          `prisma generate --schema ${schema} ${code > 128 ? "stopped" : "failed"} (exit ${code})`,
        );
        return code;
      }
    }
    writeFileSync(`${STAMP}.${process.pid}`, `${stamp}\n`);
    renameSync(`${STAMP}.${process.pid}`, STAMP);
    return 0;
  }),
);
