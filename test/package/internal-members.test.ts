// What the published declarations (dist/src/**/*.d.ts, through the exports map) leave out: the members
// tracehop's own code calls across modules (`createPropagator`'s composite, `tracehop inspect`) but a
// consumer must not, marked `@internal` and stripped by tsconfig.build.json's `stripInternal`, as
// TypeScript projects hide them (opentelemetry-js does the same). The declarations left must still
// compile on their own: a stripped member must leave no reference to a type it alone used.
// `npm test` builds dist first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { entryPoints } from "./entry-points.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(ROOT, "dist") + sep;

/** The public style classes, the file declaring each, and the internal members it must not publish. */
const HIDDEN: ReadonlyArray<{ file: string; name: string; members: readonly string[] }> = [
  {
    file: "dist/src/propagation/datadog/DatadogPropagator.d.ts",
    name: "DatadogPropagator",
    members: ["injectResolved", "extractParts"],
  },
  {
    file: "dist/src/propagation/datadog/DatadogTraceContextPropagator.d.ts",
    name: "DatadogTraceContextPropagator",
    members: ["injectResolved", "extractParts"],
  },
  {
    file: "dist/src/propagation/w3c/TraceContextPropagator.d.ts",
    name: "TraceContextPropagator",
    members: ["extractSpanContext"],
  },
  {
    file: "dist/src/propagation/w3c/BaggagePropagator.d.ts",
    name: "BaggagePropagator",
    members: ["extractBaggage"],
  },
];

test("the style classes' declarations hold inject, extract and fields, and none of their internal members or the types only those use", () => {
  for (const { file, name, members } of HIDDEN) {
    const text = readFileSync(join(ROOT, file), "utf8");
    // The file still declares the class with its TextMapPropagator methods (not a moved or empty file).
    assert.match(text, new RegExp(`export declare class ${name} implements TextMapPropagator \\{`), file);
    for (const method of ["inject", "extract", "fields"])
      assert.match(text, new RegExp(`^    ${method}\\(`, "m"), `${file}: ${method}`);
    // Only the names found are printed, not the whole file.
    const leaked = [...members, "ResolvedInjection", "StyleExtraction", "lendOnly", "_lendOnly"].filter(
      (word) => new RegExp(`\\b${word}\\b`).test(text),
    );
    assert.deepEqual(leaked, [], file);
  }
});

test("W3CTraceState's declarations publish wireValueWith(key, value), which validates, not the unchecked wireValueWithPair, and members()'s element type is exported", () => {
  const text = readFileSync(join(ROOT, "dist/src/propagation/w3c/W3CTraceState.d.ts"), "utf8");
  assert.match(text, /^export declare class W3CTraceState implements TraceState \{/m);
  // Exactly the two public parameters: a third one would let a caller skip the §3.3.1.3 validation.
  assert.match(text, /^ {4}wireValueWith\(key: string, value: string\): string \| undefined;$/m);
  const leaked = ["wireValueWithPair", "checked", "valid"].filter((word) =>
    new RegExp(`\\b${word}\\b`).test(text.replace(/\/\*\*[\s\S]*?\*\//g, "")),
  );
  assert.deepEqual(leaked, []);
  assert.match(text, /^ {4}members\(\): TraceStateMember\[\];$/m);
  const index = readFileSync(join(ROOT, "dist/src/index.d.ts"), "utf8");
  assert.match(index, /\btype TraceStateMember\b[^;]*from "\.\/propagation\/w3c\/tracestate\.js";/);
});

/** `Class.member` of each public member of a class reachable from `files` whose JSDoc says it is internal. */
function publishedInternalMembers(
  program: ts.Program,
  files: string[],
): { classes: string[]; internal: string[] } {
  const checker = program.getTypeChecker();
  const classes: string[] = [];
  const internal: string[] = [];
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    assert.ok(module, `${file} is not a module`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) {
        if (!ts.isClassDeclaration(declaration)) continue;
        classes.push(symbol.name);
        for (const member of declaration.members) {
          const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
          if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
          const doc = ts
            .getJSDocCommentsAndTags(member)
            .map((comment) => comment.getText())
            .join("\n");
          if (/\bInternal\b|@internal/.test(doc)) internal.push(`${symbol.name}.${member.name?.getText()}`);
        }
      }
    }
  }
  return { classes, internal };
}

test("no class the package exports publishes a member documented as internal, and its declarations compile on their own", () => {
  const files = entryPoints(ROOT);
  // skipLibCheck off: the .d.ts files themselves are checked (a dangling type reference is an error).
  const program = ts.createProgram(files, {
    noEmit: true,
    skipLibCheck: false,
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
  });
  const { classes, internal } = publishedInternalMembers(program, files);
  for (const name of [
    "DatadogPropagator",
    "DatadogTraceContextPropagator",
    "W3CTraceState",
    "LinkAwareSampler",
  ])
    assert.ok(classes.includes(name), `${name} not checked: ${classes.join(", ")}`);
  assert.deepEqual(internal, []);

  const ours = program
    .getSourceFiles()
    .filter((source) => source.fileName.startsWith(DIST.replaceAll(sep, "/")));
  assert.ok(ours.length > 20, `only ${ours.length} declaration files of dist/ checked`);
  const diagnostics = ours.flatMap((source) => [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ]);
  assert.deepEqual(
    diagnostics.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`),
    [],
  );
});
