/**
 * The edge-case schema of the Prisma tests (test/fixtures/prisma-edge/schema.prisma): models with
 * scalars named `data`, `where`, `create`, `update`, a required carrier, a carrier with a default.
 * Its clients are generated on first use into .tmp/prisma-edge/<hash>/<provider>/ (`prisma generate`
 * needs no network: DEVELOPERS.md "Prisma without the native schema engine"), its tables created
 * from the hand-written SQL of test/fixtures/prisma-edge/migrations/<provider>/.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { PROVIDERS, type Provider, type TestSchema } from "./databases.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const FIXTURE = join(ROOT, "test/fixtures/prisma-edge");
const PRISMA_CLI = createRequire(import.meta.url).resolve("prisma/build/index.js");

/** The schema text of `provider`: the fixture with its provider line changed. */
function schemaText(provider: Provider): string {
  return readFileSync(join(FIXTURE, "schema.prisma"), "utf8").replace(
    'provider = "sqlite"',
    `provider = "${provider}"`,
  );
}

/** Folder of the generated clients: one per content of the fixture and version of Prisma. */
function clientsDir(): string {
  const version = (
    JSON.parse(readFileSync(join(PRISMA_CLI, "../../package.json"), "utf8")) as { version: string }
  ).version;
  const hash = createHash("sha256").update(version).update(schemaText("sqlite")).digest("hex").slice(0, 12);
  return join(ROOT, ".tmp/prisma-edge", hash);
}

/** Generates the client of `provider` unless present; written to a temp folder then renamed into place. */
async function generate(provider: Provider): Promise<string> {
  const target = join(clientsDir(), provider);
  if (existsSync(join(target, "client/client.ts"))) return target;
  const work = `${target}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "schema.prisma"), schemaText(provider));
  await run(process.execPath, [PRISMA_CLI, "generate", "--schema", join(work, "schema.prisma")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true",
    },
  });
  try {
    renameSync(work, target);
  } catch (err) {
    // Another process renamed its copy first: use that one.
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(target, "client/client.ts"))) throw err;
  }
  return target;
}

/** The edge-case schema as a {@link TestSchema} for `createDatabase`. */
export const EDGE: TestSchema = {
  load: async (provider) =>
    import(pathToFileURL(join(await generate(provider), "client/client.ts")).href) as Promise<any>,
  migrations: Object.fromEntries(PROVIDERS.map((p) => [p, join(FIXTURE, "migrations", p)])) as Record<
    Provider,
    string
  >,
};
