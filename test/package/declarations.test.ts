// The declarations a consumer's tools read (dist/src/**/*.d.ts, through the exports map; `npm test` builds
// dist first), checked on one TypeScript program built once for the three parts below (a program of its own
// for each, each in a process of its own, cost about as long as the checks themselves).
//
// Docstrings: every function and class the package exports carries its docstring in those declarations: a
// JSDoc block that sits on the wrong declaration in the source (a private helper placed between a docblock
// and the function it documents) compiles without a word and leaves the export undocumented.
//
// Hovers: what a consumer's editor shows on hover over tracehop's public API, the JSDoc of the
// declarations, read with the project's TypeScript as its language service reads them.
// - Every export of an entry point, every overload and public constructor, and every public member of
//   an exported class, interface or object type has a summary.
// - No tag but the known ones: TypeScript starts a tag at any `@` after white space, also inside a code
//   example or in a package name (`@opentelemetry/core`), and the hover's text stops there. A
//   decorator or a scoped package name goes in backticks on one line.
// - Every `{@link X}` goes somewhere the user can follow: a URL, or a name the declaration file
//   resolves to an export of the same entry point (or a member of one) or of another package. The
//   declaration emit keeps no import that only a link uses, so a link to an exported name defined in
//   another file of src/ does not resolve in dist/ either.
// - Every `@param` names a parameter the declaration has, and no public constructor has a parameter
//   named `_x` (a private parameter property's name shows in the constructor's signature).
// - The docs name no file of this repository (only dist/ ships): `(header-writer.ts)`, `test/...`.
// - An exported constant whose declared type hides its value (`readonly PropagationStyle[]`) names
//   that value (each element of an array) in its summary.
//
// Internal members: what the declarations leave out, the members tracehop's own code calls across
// modules (`createPropagator`'s composite, `tracehop inspect`) but a consumer must not, marked `@internal`
// and stripped by tsconfig.build.json's `stripInternal`, as TypeScript projects hide them
// (opentelemetry-js does the same). The declarations left must still compile on their own: a stripped
// member must leave no reference to a type it alone used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { entryPoints } from "./entry-points.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(ROOT, "dist") + sep;
const FILES = entryPoints(ROOT);
/**
 * The entry points' declarations with what they import, as a consumer's editor reads them: strict,
 * NodeNext. skipLibCheck off: the .d.ts files themselves are checked (a dangling type reference is an
 * error); the only @types package Node's.
 */
const PROGRAM = ts.createProgram(FILES, {
  noEmit: true,
  skipLibCheck: false,
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  types: ["node"],
});

/**
 * The syntactic and semantic diagnostics of the declaration files of dist/ in {@link PROGRAM}, one line
 * each, and how many files were checked. Taken first, before the other parts' queries: the checker keeps
 * the diagnostics its answers record too, and resolving the name of a `{@link Class.member}` as the hover
 * part does records "only refers to a type" errors that a compile of the files does not give.
 */
const OWN = (() => {
  const ours = PROGRAM.getSourceFiles().filter((source) =>
    source.fileName.startsWith(DIST.replaceAll(sep, "/")),
  );
  const diagnostics = ours.flatMap((source) => [
    ...PROGRAM.getSyntacticDiagnostics(source),
    ...PROGRAM.getSemanticDiagnostics(source),
  ]);
  return {
    files: ours.length,
    diagnostics: diagnostics.map(
      (d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    ),
  };
})();

// Docstrings.

/** `entry: name` of each exported function or class of `files` without a JSDoc comment. */
function undocumentedExports(
  program: ts.Program,
  files: string[],
): { checked: string[]; undocumented: string[] } {
  const checker = program.getTypeChecker();
  const checked: string[] = [];
  const undocumented: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    assert.ok(source, `${file} is missing: run npm run build first`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${file} is not a module`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))) continue;
      const name = `${file.slice(ROOT.length)}: ${exported.name}`;
      checked.push(name);
      // Each declaration (each overload of a function) has its own block.
      const declarations = (symbol.declarations ?? []).filter(
        (declaration) => ts.isFunctionDeclaration(declaration) || ts.isClassDeclaration(declaration),
      );
      if (
        declarations.length === 0 ||
        declarations.some((declaration) => ts.getJSDocCommentsAndTags(declaration).length === 0)
      )
        undocumented.push(name);
    }
  }
  return { checked, undocumented };
}

test("every function and class exported by the package's entry points has a JSDoc comment in dist/*.d.ts", () => {
  const { checked, undocumented } = undocumentedExports(PROGRAM, FILES);
  assert.ok(
    checked.some((name) => name.endsWith(": startTracing")),
    checked.join("\n"),
  );
  assert.ok(checked.length > 20, `only ${checked.length} exports checked`);
  assert.deepEqual(undocumented, []);
});

// Hovers.

/** The JSDoc tags a hover may show: TSDoc's and JSDoc's usual ones that tracehop's docs use. */
const KNOWN_TAGS: ReadonlySet<string> = new Set([
  "param",
  "typeParam",
  "returns",
  "throws",
  "example",
  "see",
  "deprecated",
  "default",
  "defaultValue",
  "remarks",
  "experimental",
  "internal",
  "readonly",
]);

/** Whether `node` is a JSDoc tag (`@param`, `@throws`, an unknown `@x`). */
function isJSDocTag(node: ts.Node): node is ts.JSDocTag {
  return node.kind >= ts.SyntaxKind.FirstJSDocTagNode && node.kind <= ts.SyntaxKind.LastJSDocTagNode;
}

/** The names of the files of src/ and the test folder's name, as a doc would point to them. */
function repositoryFileNames(): RegExp {
  const names = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => basename(name).replace(/[.]/g, "\\."));
  return new RegExp(`(?<![\\w./-])(?:${names.join("|")}|test/[\\w./-]+\\.ts)(?![\\w-])`);
}

/** The findings for the declarations of `files`, one line each, and the names checked. */
function hoverFaults(program: ts.Program, files: string[]): { checked: string[]; faults: string[] } {
  const checker = program.getTypeChecker();
  const fileNames = repositoryFileNames();
  const checked: string[] = [];
  const faults: string[] = [];
  const target = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const ownDeclarations = (symbol: ts.Symbol) =>
    (symbol.declarations ?? []).filter((declaration) =>
      declaration.getSourceFile().fileName.startsWith(DIST),
    );
  const isPrivate = (declaration: ts.Declaration) =>
    (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Private) !== 0 ||
    ts.getNameOfDeclaration(declaration)?.kind === ts.SyntaxKind.PrivateIdentifier;
  /** The exported class or interface (or other container) that declares member `symbol`. */
  const containerOf = (symbol: ts.Symbol) => {
    const container = symbol.declarations?.[0]?.parent;
    const name = container && ts.getNameOfDeclaration(container as ts.Declaration);
    return name && checker.getSymbolAtLocation(name);
  };

  for (const file of files) {
    const source = program.getSourceFile(file);
    assert.ok(source, `${file} is missing: run npm run build first`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${file} is not a module`);
    const entry = file.slice(ROOT.length);
    const exports = checker.getExportsOfModule(module);
    const exported = new Set(exports.map(target));
    const fault = (name: string, what: string) => faults.push(`${entry}: ${name}: ${what}`);

    /** Whether `{@link ...}` goes somewhere: a URL, an export (or its member) or another package's name. */
    const linkResolves = (link: ts.JSDocLink | ts.JSDocLinkCode | ts.JSDocLinkPlain) => {
      if (link.name === undefined) return /^\s*(?:https?:|\/\/)/.test(link.text);
      if (ts.isIdentifier(link.name) && /^(?:https?|mailto)$/.test(link.name.text)) return true;
      const found = checker.getSymbolAtLocation(link.name);
      if (found === undefined) return false;
      const symbol = target(found);
      if (ownDeclarations(symbol).length === 0) return true; // another package's (@opentelemetry/api)
      const container = containerOf(symbol);
      return exported.has(symbol) || (container !== undefined && exported.has(target(container)));
    };

    /** The tags, links, `@param` names and file names of the JSDoc of `declaration`. */
    const checkJSDoc = (name: string, declaration: ts.Node) => {
      const parameters = new Set(
        ts.isFunctionLike(declaration)
          ? declaration.parameters.map((parameter) => parameter.name.getText())
          : [],
      );
      const visit = (node: ts.Node) => {
        if (ts.isJSDocLink(node) || ts.isJSDocLinkCode(node) || ts.isJSDocLinkPlain(node)) {
          if (!linkResolves(node)) fault(name, `${node.getText()} resolves to no export of the entry point`);
        } else if (isJSDocTag(node)) {
          const tag = node.tagName.text;
          if (!KNOWN_TAGS.has(tag)) fault(name, `@${tag} is read as a tag`);
          if (ts.isJSDocParameterTag(node) && !parameters.has(node.name.getText()))
            fault(name, `@param ${node.name.getText()} is no parameter of the declaration`);
        }
        if (ts.isJSDoc(node) || isJSDocTag(node)) {
          const comment = node.comment;
          if (typeof comment === "string") checkText(name, comment);
          else
            comment?.forEach((part) =>
              part.kind === ts.SyntaxKind.JSDocText
                ? checkText(name, (part as ts.JSDocText).text)
                : visit(part),
            );
        }
        if (ts.isJSDoc(node)) node.tags?.forEach(visit);
      };
      for (const doc of ts.getJSDocCommentsAndTags(declaration)) visit(doc);
    };
    const checkText = (name: string, text: string) => {
      const file = fileNames.exec(text);
      if (file) fault(name, `names the repository's file ${file[0]}`);
    };

    /** A summary on `symbol` and sound JSDoc on each of its declarations in dist/. */
    const checkSymbol = (name: string, symbol: ts.Symbol, declarations = ownDeclarations(symbol)) => {
      checked.push(`${entry}: ${name}`);
      if (ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === "")
        fault(name, "no summary");
      for (const declaration of declarations) checkJSDoc(name, declaration);
    };
    /** A summary on each signature declared by `declarations`, and no `_x` parameter. */
    const checkSignatures = (name: string, declarations: readonly ts.Declaration[]) => {
      for (const declaration of declarations) {
        if (!ts.isFunctionLike(declaration) || isPrivate(declaration)) continue;
        const signature = checker.getSignatureFromDeclaration(declaration);
        if (signature && ts.displayPartsToString(signature.getDocumentationComment(checker)).trim() === "")
          fault(name, `the signature ${declaration.getText().split("\n")[0]} has no summary`);
        if (ts.isConstructorDeclaration(declaration))
          for (const parameter of declaration.parameters)
            if (parameter.name.getText().startsWith("_"))
              fault(name, `parameter ${parameter.name.getText()}`);
      }
    };
    /** The public members of a class, interface or object type declared in dist/. */
    const checkMembers = (name: string, type: ts.Type, prefix: string) => {
      for (const member of type.getProperties()) {
        if (member.name === "prototype") continue;
        const declarations = ownDeclarations(member);
        if (declarations.length === 0 || declarations.every(isPrivate)) continue;
        const memberName = member.name.startsWith("__@")
          ? `[${member.name.slice(3).split("@")[0]}]`
          : member.name;
        checkSymbol(`${name}${prefix}${memberName}`, member, declarations);
        checkSignatures(`${name}${prefix}${memberName}`, declarations);
      }
    };

    for (const exportedSymbol of exports) {
      const symbol = target(exportedSymbol);
      const name = exportedSymbol.name;
      checkSymbol(name, symbol);
      const declarations = ownDeclarations(symbol);
      if (symbol.flags & ts.SymbolFlags.Function) checkSignatures(name, declarations);
      if (symbol.flags & ts.SymbolFlags.Class) {
        const constructors = symbol.members?.get(ts.InternalSymbolName.Constructor)?.declarations ?? [];
        for (const constructor of constructors) checkJSDoc(`${name} constructor`, constructor);
        checkSignatures(`${name} constructor`, constructors);
        checkMembers(name, checker.getTypeOfSymbol(symbol), ".");
      }
      if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        checkMembers(name, type, symbol.flags & ts.SymbolFlags.Class ? "#" : ".");
        if (symbol.flags & ts.SymbolFlags.Interface) {
          for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()])
            if (signature.declaration) checkJSDoc(name, signature.declaration);
        }
      }
      if (symbol.flags & ts.SymbolFlags.TypeAlias) {
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        if (type.flags & ts.TypeFlags.Object) checkMembers(name, type, ".");
      }
    }
  }
  return { checked, faults };
}

/**
 * Exported constants whose declared type hides their value, with the part of the value not named: each
 * of its values (an array's items, or the value itself) must be in the summary as a whole code span.
 */
async function hiddenValues(program: ts.Program, files: string[]): Promise<string[]> {
  const checker = program.getTypeChecker();
  const faults: string[] = [];
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const values = (await import(pathToFileURL(file.replace(/\.d\.ts$/, ".js")).href)) as Record<
      string,
      unknown
    >;
    for (const exportedSymbol of checker.getExportsOfModule(module)) {
      const symbol =
        exportedSymbol.flags & ts.SymbolFlags.Alias
          ? checker.getAliasedSymbol(exportedSymbol)
          : exportedSymbol;
      if (!(symbol.flags & ts.SymbolFlags.Variable)) continue;
      const type = checker.getTypeOfSymbol(symbol);
      if (type.isLiteral() || type.flags & (ts.TypeFlags.BooleanLiteral | ts.TypeFlags.UniqueESSymbol))
        continue;
      const value = values[exportedSymbol.name];
      const parts = Array.isArray(value)
        ? value
        : typeof value === "object" || typeof value === "function"
          ? []
          : [value];
      const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker));
      // Each value as a whole code span: `b3` is not named by `b3multi`, nor `datadog` by `x-datadog-*`.
      const missing = parts.map(String).filter((part) => !summary.includes(`\`${part}\``));
      if (missing.length > 0)
        faults.push(
          `${file.slice(ROOT.length)}: ${exportedSymbol.name}: ${missing.join(", ")} not in its summary`,
        );
    }
  }
  return faults;
}

test("the hovers of every export and public member of the entry points: a summary, no tag cut out of the text, links that resolve, no parameter that is not there, no file of the repository", () => {
  const { checked, faults } = hoverFaults(PROGRAM, FILES);
  // The walk reached the exports, the members of the interfaces and classes, and the other entry points.
  for (const name of ["src/index.d.ts: traced", "src/index.d.ts: DatadogContext.samplingPriority"])
    assert.ok(
      checked.some((found) => found.endsWith(name)),
      name,
    );
  assert.ok(
    checked.some((found) => found.includes("messaging/index.d.ts: SendSpanOptions.suppressInstrumentation")),
  );
  assert.ok(checked.length > 250, `only ${checked.length} names checked`);
  assert.deepEqual(faults, [], faults.join("\n"));
});

test("an exported constant whose declared type hides its value names that value in its summary", async () => {
  const faults = await hiddenValues(PROGRAM, FILES);
  assert.deepEqual(faults, [], faults.join("\n"));
});

// Internal members.

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
  const { classes, internal } = publishedInternalMembers(PROGRAM, FILES);
  for (const name of [
    "DatadogPropagator",
    "DatadogTraceContextPropagator",
    "W3CTraceState",
    "LinkAwareSampler",
  ])
    assert.ok(classes.includes(name), `${name} not checked: ${classes.join(", ")}`);
  assert.deepEqual(internal, []);

  assert.ok(OWN.files > 20, `only ${OWN.files} declaration files of dist/ checked`);
  assert.deepEqual(OWN.diagnostics, []);
});
