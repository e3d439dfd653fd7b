// The TypeScript of the docs compiles as a user pastes it: every ```ts / ```typescript block of README.md
// and docs/*.md (a block indented under a list item too) is type-checked as a module of its own, strict,
// module/moduleResolution NodeNext, target ES2022, against the package as a consumer imports it
// ("tracehop", "tracehop/prisma", "tracehop/messaging" resolved by self-reference through the exports map
// to the declarations in dist/, which `npm test` builds first) and the real types of node_modules
// (@opentelemetry/*, amqplib, kafkajs, nats, mqtt, dd-trace, @prisma/client).
//
// A page is read top to bottom: a block sees the imports of the blocks above it on its page, for the
// names it does not declare itself (a later block that uses `withProcessSpan` without importing it
// again). The application's own names a block uses undeclared (a `db` client, a `channel`, an `outbox`
// row, `handle`...) are declared once, with the real types of their libraries, in
// test/package/fixtures/doc-blocks/app.ts; its Prisma models are a client generated here from
// schema.prisma there, into generated/prisma beside the blocks (a block may import it as
// "./generated/prisma/client.js"). A block that shows a type error on purpose says so in a comment on the line,
// `// type error (TS1241)`, optionally followed by `... names <text>` (text the message holds): the error
// must be given there (at that line's statement or class member, decorators included), and no other.
//
// One Program for all blocks (the compiler API, in-process); each block is a subtest named by its
// file:line, whose failure lists each message at its file:line:column in the markdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { markdownFiles } from "../support/markdown-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = join(ROOT, "test/package/fixtures/doc-blocks");
/** The application's names, declared for every block. */
const APP = join(FIXTURES, "app.ts");
/** Where the blocks live for the compiler: under the package root, so that `tracehop` resolves as by a user. */
const BLOCKS_DIR = join(ROOT, ".tmp/doc-blocks/blocks");

/** A code block of a markdown file. */
interface Block {
  /** `docs/restore.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Spaces of the opening fence, removed from each line of the block. */
  indent: number;
  /** The block's text, without the fences and the indentation. */
  code: string;
  /** The path the compiler knows the block by. */
  path: string;
  /** The block, then the imports it takes from the blocks above it: what the compiler reads. */
  source: string;
}

/** An error a block shows on purpose: `// type error (TS1241)` on the block's line `line`. */
interface ExpectedError {
  /** 0-based line of the block. */
  line: number;
  code: number;
  /** Text the message must hold (`... names <text>` in the comment), if any. */
  text: string | undefined;
}

const OPENING_FENCE = /^( *)```(ts|typescript)\s*$/;
const CLOSING_FENCE = /^ *```\s*$/;
const EXPECTED_ERROR = /\/\/ type error \(TS(\d+)\)(?:.*\bnames (.+?))?\s*$/;

/** The ```ts and ```typescript blocks of `file`, in order. A block left open fails. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const blocks: Block[] = [];
  let open: { line: number; indent: number; code: string[] } | undefined;
  // Fences of other languages, so that a ```ts inside none of ours is not taken for an opening.
  let otherFence = false;
  lines.forEach((text, index) => {
    if (open === undefined) {
      const opening = OPENING_FENCE.exec(text);
      if (!otherFence && opening !== null) open = { line: index + 1, indent: opening[1]!.length, code: [] };
      else if (/^ *```/.test(text)) otherFence = !otherFence;
      return;
    }
    if (CLOSING_FENCE.test(text)) {
      const name = `${file.replace(/[/.]/g, "_")}_L${open.line}.ts`;
      blocks.push({
        file,
        line: open.line,
        indent: open.indent,
        code: open.code.join("\n") + "\n",
        path: join(BLOCKS_DIR, name),
        source: "",
      });
      open = undefined;
      return;
    }
    open.code.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
  });
  assert.equal(open, undefined, `${file}:${open?.line}: a \`\`\`ts block that is never closed`);
  // Each block sees the imports of the blocks above it on the page, for the names it does not declare.
  const imports = new Map<string, string>();
  for (const block of blocks) {
    const parsed = ts.createSourceFile(block.path, block.code, ts.ScriptTarget.ES2022, true);
    const own = declaredNames(parsed);
    const taken = [...imports].filter(([name]) => !own.has(name)).map(([, statement]) => statement);
    // After the block's own lines (an import is hoisted), so that its lines keep their numbers.
    block.source = block.code + taken.join("\n") + "\n";
    for (const [name, statement] of importsOf(parsed)) imports.set(name, statement);
  }
  return blocks;
}

/** Each name a block's imports declare, with the import statement of that name alone. */
function importsOf(file: ts.SourceFile): Map<string, string> {
  const imports = new Map<string, string>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause === undefined) continue;
    const from = statement.moduleSpecifier.getText(file);
    const clause = statement.importClause;
    const type = clause.isTypeOnly ? "type " : "";
    if (clause.name !== undefined)
      imports.set(clause.name.text, `import ${type}${clause.name.text} from ${from};`);
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings))
      imports.set(bindings.name.text, `import ${type}* as ${bindings.name.text} from ${from};`);
    else if (bindings !== undefined)
      for (const element of bindings.elements)
        imports.set(element.name.text, `import ${type}{ ${element.getText(file)} } from ${from};`);
  }
  return imports;
}

/** The names a block declares at its top level: its imports, variables, functions, classes and types. */
function declaredNames(file: ts.SourceFile): Set<string> {
  const names = new Set(importsOf(file).keys());
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement))
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name !== undefined
    )
      names.add(statement.name.text);
  }
  return names;
}

/** The compiler options of a user's project: strict, NodeNext, ES2022, Node's types. */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  // Each block a module (top-level await, names of its own), whether or not it imports anything.
  moduleDetection: ts.ModuleDetectionKind.Force,
  skipLibCheck: true,
  noEmit: true,
};

/** One Program holding every block (read from memory) and the application's declarations. */
function programOf(blocks: Block[]): ts.Program {
  const byPath = new Map(blocks.map((block) => [block.path, block.source]));
  const host = ts.createCompilerHost(OPTIONS, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path);
  host.readFile = (path) => byPath.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, onError, create) => {
    const code = byPath.get(path);
    return code === undefined
      ? getSourceFile.call(host, path, language, onError, create)
      : ts.createSourceFile(path, code, language, true);
  };
  return ts.createProgram({ rootNames: [APP, ...byPath.keys()], options: OPTIONS, host });
}

/**
 * Generates the Prisma client of fixtures/doc-blocks/schema.prisma under .tmp/doc-blocks/blocks/generated/prisma:
 * beside the blocks, so that a block imports it as a user does (`./generated/prisma/client.js`, the output of
 * docs/prisma.md's set-up).
 */
function generatePrismaClient(): void {
  const prisma = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const child = spawnSync(
    process.execPath,
    [prisma, "generate", "--schema", join(FIXTURES, "schema.prisma")],
    {
      cwd: FIXTURES,
      encoding: "utf8",
      env: {
        ...process.env,
        // As `npm run prisma:generate`: no schema engine is needed to generate a client.
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true",
        CHECKPOINT_DISABLE: "1",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
    },
  );
  assert.equal(child.status, 0, child.stdout + child.stderr);
}

/** The errors `block` shows on purpose, from its `// type error (TSnnnn)` comments. */
function expectedErrors(block: Block): ExpectedError[] {
  return block.code.split("\n").flatMap((text, line) => {
    const match = EXPECTED_ERROR.exec(text);
    return match === null ? [] : [{ line, code: Number(match[1]), text: match[2] }];
  });
}

/**
 * The lines (0-based, first and last) of the innermost statement or class member holding `position`,
 * decorators included: a decorator's error (TS1241) is reported at the decorator, the line before the
 * method it decorates, where the docs put the comment.
 */
function enclosingLines(file: ts.SourceFile, position: number): [number, number] {
  let found: ts.Node = file;
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(file) || position >= node.end) return;
    if (ts.isClassElement(node) || ts.isStatement(node)) found = node;
    node.forEachChild(visit);
  };
  file.forEachChild(visit);
  return [
    file.getLineAndCharacterOfPosition(found.getStart(file)).line,
    file.getLineAndCharacterOfPosition(found.end).line,
  ];
}

/** `docs/restore.md:449:5 TS2304: Cannot find name 'x'.`, at the place in the markdown. */
function describe(block: Block, file: ts.SourceFile, diagnostic: ts.Diagnostic): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n    ")}`;
  if (diagnostic.start === undefined) return `${block.file}:${block.line} ${message}`;
  const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${block.file}:${block.line + 1 + line}:${block.indent + character + 1} ${message}`;
}

const blocks = markdownFiles().flatMap(blocksOf);

test("the docs have TypeScript blocks to check, in README.md and in docs/", () => {
  // A fence this test no longer recognizes would make every check below pass on nothing.
  assert.ok(blocks.some((block) => block.file === "README.md"));
  assert.ok(blocks.filter((block) => block.file.startsWith("docs/")).length >= 20, String(blocks.length));
});

test("every TypeScript block of README.md and docs/*.md compiles (strict, NodeNext) against the built package", async (t) => {
  generatePrismaClient();
  const program = programOf(blocks);
  const options = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  assert.deepEqual(
    options.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
    [],
  );
  const app = program.getSourceFile(APP)!;
  assert.deepEqual(
    [...program.getSyntacticDiagnostics(app), ...program.getSemanticDiagnostics(app)].map((diagnostic) =>
      ts.formatDiagnostic(diagnostic, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => "\n",
      }),
    ),
    [],
    "test/package/fixtures/doc-blocks/app.ts",
  );
  for (const block of blocks) {
    await t.test(`${block.file}:${block.line}`, () => {
      const file = program.getSourceFile(block.path)!;
      // Not in the imports taken from the blocks above, after the block's own text: each is checked in its block.
      const diagnostics = [
        ...program.getSyntacticDiagnostics(file),
        ...program.getSemanticDiagnostics(file),
      ].filter((diagnostic) => diagnostic.start === undefined || diagnostic.start < block.code.length);
      const expected = expectedErrors(block);
      const matches = (diagnostic: ts.Diagnostic, error: ExpectedError): boolean => {
        if (diagnostic.code !== error.code || diagnostic.start === undefined) return false;
        const [first, last] = enclosingLines(file, diagnostic.start);
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
        return (
          first <= error.line &&
          error.line <= last &&
          (error.text === undefined || message.includes(error.text))
        );
      };
      const unexpected = diagnostics.filter(
        (diagnostic) => !expected.some((error) => matches(diagnostic, error)),
      );
      const missing = expected.filter(
        (error) => !diagnostics.some((diagnostic) => matches(diagnostic, error)),
      );
      assert.deepEqual(
        [
          ...unexpected.map((diagnostic) => describe(block, file, diagnostic)),
          ...missing.map(
            (error) =>
              `${block.file}:${block.line + 1 + error.line}: TS${error.code} expected here (its comment says so)${error.text === undefined ? "" : `, naming ${error.text}`}, not given`,
          ),
        ],
        [],
      );
    });
  }
});
