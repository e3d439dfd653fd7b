/**
 * Derives the PostgreSQL and MySQL/MariaDB Prisma schemas from prisma/schema.prisma (SQLite), the
 * one source of truth of the story's models: Prisma needs one schema per provider.
 *
 *   node --import tsx scripts/prisma-schemas.ts          write prisma/{postgresql,mysql}/schema.prisma
 *   node --import tsx scripts/prisma-schemas.ts --check  exit 1 (naming the files) when they are out of step,
 *                                                       or a migration exists for one provider only
 *
 * What changes per provider (everything else is copied as is):
 * - the `provider` of the datasource;
 * - the generator `output`, `../generated/prisma/sqlite` -> `../../generated/prisma/<provider>`;
 * - MySQL only: a `String` field that is not an id, not part of an index, unique or relation, and has
 *   no default becomes `@db.LongText` (Prisma's MySQL `String` is VARCHAR(191), too short for a
 *   document; TEXT columns cannot be indexed without a prefix length nor have a literal default); a
 *   `String` field marked `@unique` on its own becomes `@db.VarChar(255)` ({@link UNIQUE_STRING}).
 * Migrations are not derived: each provider's SQL is hand-written beside its schema (DEVELOPERS.md).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Providers derived from the SQLite source, and the folder of each schema. */
export const DERIVED_PROVIDERS = ["postgresql", "mysql"] as const;
export type DerivedProvider = (typeof DERIVED_PROVIDERS)[number];

const ROOT = join(import.meta.dirname, "..");
/** The source schema and the derived schema of `provider`, under a project root. */
export const sourceSchemaPath = (root = ROOT) => join(root, "prisma/schema.prisma");
export const schemaPath = (provider: DerivedProvider, root = ROOT) =>
  join(root, "prisma", provider, "schema.prisma");

const HEADER = (provider: DerivedProvider) =>
  `// GENERATED from prisma/schema.prisma by scripts/prisma-schemas.ts for ${provider}: do not edit.\n` +
  `// Change prisma/schema.prisma, run \`npm run prisma:schemas\`, and write the matching migration in\n` +
  `// prisma/${provider}/migrations (DEVELOPERS.md "Prisma without the native schema engine").\n\n`;

/** Field line inside a model block: name, type (with ? or []), attributes. */
const FIELD_LINE = /^(\s+)(\w+)(\s+)(\w+)(\?|\[\])?(.*)$/;

/**
 * Returns the schema text for `provider`, derived from the SQLite `source`.
 *
 * @throws Error when the source does not have the expected datasource provider or generator output
 */
export function deriveSchema(source: string, provider: DerivedProvider): string {
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  // The source's opening comment speaks of the source itself; the header replaces it.
  while (lines.length && (lines[0]!.startsWith("//") || lines[0]!.trim() === "")) lines.shift();
  let block: { kind: string; name: string } | undefined;
  let modelStart = -1;
  let sawProvider = false;
  let sawOutput = false;
  const out: string[] = [];
  for (const line of lines) {
    const open = /^(generator|datasource|model|enum|view|type)\s+(\w+)\s*\{/.exec(line);
    if (open) {
      block = { kind: open[1]!, name: open[2]! };
      modelStart = out.length;
      out.push(line);
      continue;
    }
    if (block && /^\}/.test(line)) {
      if (block.kind === "model" && provider === "mysql") longTextFields(out, modelStart);
      block = undefined;
      out.push(line);
      continue;
    }
    if (block?.kind === "datasource" && /^\s*provider\s*=/.test(line)) {
      if (!/"sqlite"/.test(line))
        throw new Error(`prisma-schemas: the source datasource must be sqlite: ${line.trim()}`);
      out.push(line.replace('"sqlite"', `"${provider}"`));
      sawProvider = true;
      continue;
    }
    if (block?.kind === "generator" && /^\s*output\s*=/.test(line)) {
      const m = /"([^"]*)\/sqlite"/.exec(line);
      if (!m) throw new Error(`prisma-schemas: the generator output must end in /sqlite: ${line.trim()}`);
      out.push(line.replace(m[0], `"../${m[1]}/${provider}"`));
      sawOutput = true;
      continue;
    }
    out.push(line);
  }
  if (!sawProvider || !sawOutput) {
    throw new Error("prisma-schemas: the source needs a datasource provider and a generator output");
  }
  return HEADER(provider) + out.join("\n");
}

/**
 * MySQL type of a `String` field marked `@unique` on its own (PreprocessJob.idempotencyKey, up to 255
 * characters): Prisma's VARCHAR(191) is sized for the 767-byte index limit of old InnoDB row formats;
 * 255 utf8mb4 characters (1020 bytes) fit the 3072 bytes of the DYNAMIC format, the default since MySQL 5.7
 * and MariaDB 10.2.
 */
const UNIQUE_STRING = "@db.VarChar(255)";

/**
 * MySQL: marks long free-text `String` fields of the model that starts at `start` as LongText, and those
 * unique on their own as {@link UNIQUE_STRING}.
 */
function longTextFields(out: string[], start: number): void {
  const body = out.slice(start + 1);
  const indexed = new Set<string>();
  for (const line of body) {
    const attr = /@@(?:index|unique|id)\(\[([^\]]*)\]/.exec(line);
    if (attr) for (const name of attr[1]!.split(",")) indexed.add(name.trim().split(/[\s(]/)[0]!);
    const rel = /@relation\([^)]*fields:\s*\[([^\]]*)\]/.exec(line);
    if (rel) for (const name of rel[1]!.split(",")) indexed.add(name.trim());
  }
  // Attribute column of the block as `prisma format` aligns it (that of the other attributes).
  let column = 0;
  for (let i = start + 1; i < out.length; i++) {
    const m = FIELD_LINE.exec(out[i]!);
    const at = m ? /^\s+@/.exec(m[6]!) : null;
    if (m && at) column = Math.max(column, out[i]!.length - m[6]!.length + at[0].length - 1);
  }
  for (let i = start + 1; i < out.length; i++) {
    const m = FIELD_LINE.exec(out[i]!);
    if (!m || m[4] !== "String" || m[5] === "[]") continue;
    const attrs = m[6]!.trim();
    if (/@(id|db\.)/.test(attrs)) continue;
    const type = /@unique\b/.test(attrs)
      ? UNIQUE_STRING
      : indexed.has(m[2]!) || /@default/.test(attrs)
        ? undefined
        : "@db.LongText";
    if (type === undefined) continue;
    const head = `${m[1]}${m[2]}${m[3]}${m[4]}${m[5] ?? ""}`;
    out[i] = `${head.padEnd(Math.max(column, head.length + 1))}${attrs ? `${attrs} ` : ""}${type}`;
  }
}

/** Lines of prisma-format alignment may differ after a change; compare ignoring runs of spaces. */
const normalize = (text: string) => text.replace(/[ \t]+/g, " ").trim();

/**
 * Writes the derived schemas under `root`, or with `check` only compares them.
 *
 * @returns the derived schema paths (relative to `root`) that were out of step (with `check`) or written
 */
export function syncSchemas(options: { check?: boolean; root?: string } = {}): string[] {
  const root = options.root ?? ROOT;
  const source = readFileSync(sourceSchemaPath(root), "utf8");
  const changed: string[] = [];
  for (const provider of DERIVED_PROVIDERS) {
    const path = schemaPath(provider, root);
    const want = deriveSchema(source, provider);
    let have: string | undefined;
    try {
      have = readFileSync(path, "utf8");
    } catch {
      have = undefined;
    }
    if (have !== undefined && normalize(have) === normalize(want)) continue;
    changed.push(relative(root, path));
    if (!options.check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, want);
    }
  }
  return changed;
}

/**
 * Migrations each provider lacks: every migration of prisma/migrations (SQLite) needs one of the
 * same name under prisma/<provider>/migrations, and the other way round, so that a schema change
 * cannot land for one database only. The SQL itself is hand-written and not compared.
 *
 * @returns one sentence per missing migration (empty when in step)
 */
export function missingMigrations(root = ROOT): string[] {
  const names = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => d.name)
      : [];
  const source = new Set(names(join(root, "prisma/migrations")));
  const missing: string[] = [];
  for (const provider of DERIVED_PROVIDERS) {
    const derived = new Set(names(join(root, "prisma", provider, "migrations")));
    for (const name of source)
      if (!derived.has(name)) missing.push(`prisma/${provider}/migrations lacks ${name}`);
    for (const name of derived)
      if (!source.has(name)) missing.push(`prisma/migrations lacks ${name} (found for ${provider})`);
  }
  return missing;
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const changed = syncSchemas({ check });
  if (!check) {
    for (const path of changed) console.log(`wrote ${path}`);
    return 0;
  }
  const missing = missingMigrations();
  if (changed.length) {
    console.error(
      `out of step with prisma/schema.prisma: ${changed.join(", ")}. Run \`npm run prisma:schemas\` and update their migrations.`,
    );
  }
  for (const line of missing)
    console.error(`${line}: write it by hand in Prisma's SQL layout (DEVELOPERS.md).`);
  return changed.length || missing.length ? 1 : 0;
}

if (import.meta.filename === process.argv[1]) process.exitCode = main(process.argv.slice(2));
