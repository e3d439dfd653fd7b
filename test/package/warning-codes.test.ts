// Every code tracehop gives a Node process warning (`(node:123) [TRACEHOP_X] ...` on stderr), or a thrown
// error, has its entry in docs/warnings.md, and that reference has no entry for a code src/ no longer
// gives: a user who searches the docs for the code on their screen finds what it means and what to fix.
//
// A code is told from the other `TRACEHOP_*` strings of src/ (environment variables such as
// TRACEHOP_SPANS_FILE) by where the string goes, read from the syntax of src/: a code is passed, as it is
// or through the constant (or the constant object's property) it initializes, as the `code: string`
// parameter of a function (warnOnce, warnSetting, emitProcessWarningOnce, emitSettingWarningOnce, a
// SettingWarning callback, ...), or is the `code` property of an object (an error's code); an
// environment variable is read through @opentelemetry/core's get*FromEnv or `process.env[...]`. A
// `TRACEHOP_*` string that goes neither way fails the test, naming it, rather than being guessed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { markdownFiles } from "../support/markdown-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REFERENCE = "docs/warnings.md";

/** A `TRACEHOP_*` name in upper snake case: the shape of a warning code and of tracehop's variables. */
const TRACEHOP_NAME = /^TRACEHOP_[A-Z0-9_]+$/;

/** @opentelemetry/core's readers of an environment variable, whose first argument is its name. */
const ENV_READERS: ReadonlySet<string> = new Set([
  "getStringFromEnv",
  "getBooleanFromEnv",
  "getNumberFromEnv",
  "getStringListFromEnv",
]);

/** The functions of warn-once.ts that give a process warning, each with a `code: string` parameter. */
const WARN_ONCE_FUNCTIONS = [
  "warnOnce",
  "warnEach",
  "warnSetting",
  "emitProcessWarningOnce",
  "emitSettingWarningOnce",
];

/** What src/ does with its `TRACEHOP_*` strings. */
interface TracehopNames {
  /** Warning codes (and error codes), each with the first file that gives it. */
  codes: Map<string, string>;
  /** Environment variable names. */
  variables: Set<string>;
  /** `name (file)` of each string that is neither, for the failure message. */
  unclassified: string[];
  /** The functions (and callback names) taking a `code: string`, with the parameter's index. */
  codeParameters: Map<string, number>;
  /** Files that call `process.emitWarning`. */
  emitWarningFiles: Set<string>;
}

/** The .ts files under src/, relative to the repository (`src/warn-once.ts`). */
function sourceFiles(): string[] {
  return readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => `src/${name.split("\\").join("/")}`)
    .sort();
}

/** Every node of `node`'s tree, depth first. */
function* nodesOf(node: ts.Node): Generator<ts.Node> {
  yield node;
  for (const child of node.getChildren()) yield* nodesOf(child);
}

/** The index of a `code: string` parameter in `parameters`, or -1. */
function codeParameterIndex(parameters: ts.NodeArray<ts.ParameterDeclaration>): number {
  return parameters.findIndex(
    (parameter) =>
      ts.isIdentifier(parameter.name) &&
      parameter.name.text === "code" &&
      parameter.type?.kind === ts.SyntaxKind.StringKeyword,
  );
}

/** The node that holds `node`'s value where it is used: the `as const` / parentheses around it. */
function usedAs(node: ts.Node): ts.Node {
  let used = node;
  while (
    ts.isAsExpression(used.parent) ||
    ts.isSatisfiesExpression(used.parent) ||
    ts.isParenthesizedExpression(used.parent)
  )
    used = used.parent;
  return used;
}

/** True for `process.env`. */
function isProcessEnv(node: ts.Node): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === "env" &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === "process"
  );
}

/** The name of a property assignment (`code: X`, `"code": X`), or undefined. */
function propertyName(node: ts.PropertyAssignment): string | undefined {
  return ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) ? node.name.text : undefined;
}

/** Reads src/: its `TRACEHOP_*` strings, and what each is used as. */
function readTracehopNames(): TracehopNames {
  const files = sourceFiles().map((file) =>
    ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true),
  );
  const codeParameters = new Map<string, number>();
  const codeTypes = new Map<string, number>();
  const emitWarningFiles = new Set<string>();
  /** Identifiers by name, outside the declarations they name. */
  const references = new Map<string, ts.Identifier[]>();
  const literals: ts.StringLiteralLike[] = [];

  // The function types with a `code: string` parameter (`type SettingWarning = (message, code) => void`).
  for (const file of files)
    for (const node of nodesOf(file))
      if (ts.isTypeAliasDeclaration(node) && ts.isFunctionTypeNode(node.type)) {
        const index = codeParameterIndex(node.type.parameters);
        if (index !== -1) codeTypes.set(node.name.text, index);
      }

  for (const file of files)
    for (const node of nodesOf(file)) {
      if (ts.isFunctionDeclaration(node) || ts.isArrowFunction(node)) {
        const index = codeParameterIndex(node.parameters);
        const name =
          ts.isFunctionDeclaration(node) && node.name
            ? node.name.text
            : ts.isArrowFunction(node) &&
                ts.isVariableDeclaration(node.parent) &&
                ts.isIdentifier(node.parent.name)
              ? node.parent.name.text
              : undefined;
        if (index !== -1 && name !== undefined) codeParameters.set(name, index);
      }
      // A parameter or variable of such a function type (`warn: SettingWarning`) is called the same way.
      if (
        (ts.isParameter(node) || ts.isVariableDeclaration(node)) &&
        ts.isIdentifier(node.name) &&
        node.type !== undefined &&
        ts.isTypeReferenceNode(node.type) &&
        ts.isIdentifier(node.type.typeName) &&
        codeTypes.has(node.type.typeName.text)
      )
        codeParameters.set(node.name.text, codeTypes.get(node.type.typeName.text)!);
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === "emitWarning"
      )
        emitWarningFiles.add(file.fileName);
      if (ts.isStringLiteralLike(node) && TRACEHOP_NAME.test(node.text)) literals.push(node);
      if (ts.isIdentifier(node)) {
        const parent = node.parent;
        const declares =
          ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent)) &&
            parent.name === node) ||
          ts.isImportSpecifier(parent) ||
          ts.isExportSpecifier(parent);
        if (!declares) references.set(node.text, [...(references.get(node.text) ?? []), node]);
      }
    }

  /** What the value at `node` is used as where it stands. */
  const useOf = (node: ts.Node): "code" | "variable" | undefined => {
    const used = usedAs(node);
    const parent = used.parent;
    if (ts.isCallExpression(parent) && parent.arguments.includes(used as ts.Expression)) {
      const callee = ts.isIdentifier(parent.expression) ? parent.expression.text : undefined;
      if (callee === undefined) return undefined;
      if (codeParameters.get(callee) === parent.arguments.indexOf(used as ts.Expression)) return "code";
      if (ENV_READERS.has(callee) && parent.arguments[0] === used) return "variable";
      return undefined;
    }
    if (ts.isPropertyAssignment(parent) && parent.initializer === used && propertyName(parent) === "code")
      return "code";
    if (
      ts.isElementAccessExpression(parent) &&
      parent.argumentExpression === used &&
      isProcessEnv(parent.expression)
    )
      return "variable";
    return undefined;
  };

  /** The places the value of `literal` is used: itself, or the references to the constant it initializes. */
  const valuesOf = (literal: ts.StringLiteralLike): ts.Node[] => {
    const holder = usedAs(literal).parent;
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name))
      return references.get(holder.name.text) ?? [];
    // A property of a constant object (`{ inject: "TRACEHOP_..." } as const`), used as `OBJECT[key]`.
    if (ts.isPropertyAssignment(holder) && propertyName(holder) !== "code") {
      const object = usedAs(holder.parent).parent;
      if (ts.isVariableDeclaration(object) && ts.isIdentifier(object.name)) {
        const objectName = object.name.text;
        return (references.get(objectName) ?? [])
          .map((reference) => reference.parent)
          .filter(
            (access) =>
              (ts.isElementAccessExpression(access) || ts.isPropertyAccessExpression(access)) &&
              ts.isIdentifier(access.expression) &&
              access.expression.text === objectName,
          );
      }
    }
    return [literal];
  };

  const codes = new Map<string, string>();
  const variables = new Set<string>();
  const unclassified: string[] = [];
  for (const literal of literals) {
    const uses = new Set(valuesOf(literal).map(useOf));
    const file = literal.getSourceFile().fileName;
    if (uses.has("code") && uses.has("variable")) unclassified.push(`${literal.text} (${file}: both)`);
    else if (uses.has("code")) {
      if (!codes.has(literal.text)) codes.set(literal.text, file);
    } else if (uses.has("variable")) variables.add(literal.text);
    else unclassified.push(`${literal.text} (${file})`);
  }
  return { codes, variables, unclassified, codeParameters, emitWarningFiles };
}

/**
 * The codes docs/warnings.md has an entry for: its headings that are a code alone,
 * `` ### `TRACEHOP_X` ``, in order (a code twice is listed twice).
 */
function documentedCodes(text: string): string[] {
  return [...text.matchAll(/^#{2,6} `(TRACEHOP_[A-Z0-9_]+)`\s*$/gm)].map((match) => match[1]!);
}

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

const names = readTracehopNames();
// Missing, it has no entry: the tests below then name every code.
const reference = existsSync(join(ROOT, REFERENCE)) ? readFileSync(join(ROOT, REFERENCE), "utf8") : "";

test("src/'s TRACEHOP_* strings are each a warning code or an environment variable, told by where they go", () => {
  // The functions that give a process warning are seen as taking a code, and only warn-once.ts emits one.
  for (const name of WARN_ONCE_FUNCTIONS) assert.ok(names.codeParameters.has(name), name);
  assert.ok(
    names.codeParameters.has("warn"),
    "the SettingWarning callback (`warn`) of the propagation settings",
  );
  assert.deepEqual([...names.emitWarningFiles], ["src/warn-once.ts"]);
  assert.deepEqual(names.unclassified, [], "neither passed as a warning's code nor read as a variable");
  // A code through a constant, written in the call, through a constant object's property (and an error's
  // `code`), and a variable, are told apart.
  assert.equal(names.codes.get("TRACEHOP_NO_CONTEXT_MANAGER"), "src/context/run-in-span.ts");
  assert.equal(
    names.codes.get("TRACEHOP_BAD_EXTRACT_FIRST"),
    "src/propagation/create-propagator/settings.ts",
  );
  assert.equal(names.codes.get("TRACEHOP_PROPAGATOR_EXTRACT_FAILED"), "src/context/carrier-context.ts");
  assert.equal(names.codes.get("TRACEHOP_BAD_SPANS_FILE"), "src/tracing/tracing-config.ts");
  assert.ok(names.variables.has("TRACEHOP_SPANS_FILE"));
  assert.ok(!names.codes.has("TRACEHOP_SPANS_FILE"));
  assert.ok(names.codes.size > 30, `only ${names.codes.size} codes found`);
});

test(`every warning code src/ gives has its entry in ${REFERENCE}`, () => {
  const documented = new Set(documentedCodes(reference));
  const missing = [...names.codes]
    .filter(([code]) => !documented.has(code))
    .map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, [], `codes without an entry (a heading ### \`CODE\`) in ${REFERENCE}`);
});

test(`${REFERENCE} has one entry per code, and none for a code src/ no longer gives`, () => {
  const documented = documentedCodes(reference);
  const stale = documented.filter((code) => !names.codes.has(code));
  assert.deepEqual(stale, [], `entries of ${REFERENCE} for codes src/ does not give`);
  const twice = documented.filter((code, index) => documented.indexOf(code) !== index);
  assert.deepEqual(twice, [], `codes with two entries in ${REFERENCE}`);
  // Nor does its text name a TRACEHOP_* that src/ knows neither as a code nor as a variable.
  const unknown = [...new Set(reference.match(/\bTRACEHOP_[A-Z0-9_]+\b/g) ?? [])].filter(
    (name) => !names.codes.has(name) && !names.variables.has(name),
  );
  assert.deepEqual(unknown, [], `${REFERENCE} names these, which src/ does not use`);
});

/** The anchors of the headings of the markdown file `document` (relative to the repository). */
function anchorsOf(document: string): Set<string> {
  const text = readFileSync(join(ROOT, document), "utf8");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!.trim())));
}

/** README.md and docs/*.md but the reference itself. */
function otherDocuments(): string[] {
  return markdownFiles().filter((name) => name !== REFERENCE);
}

/** The links of `text` into the reference: `](docs/warnings.md)`, `](warnings.md#anchor)`. */
function linksIntoReference(text: string): { anchor: string | undefined }[] {
  return [...text.matchAll(/\]\((?:docs\/|\.\/)?warnings\.md(?:#([^)\s]*))?\)/g)].map((match) => ({
    anchor: match[1],
  }));
}

test(`README.md and every document of docs/ that names a warning code link to ${REFERENCE}`, () => {
  const unlinked = otherDocuments().filter((document) => {
    const text = readFileSync(join(ROOT, document), "utf8");
    const namesCode = [...names.codes.keys()].some((code) => new RegExp(`\\b${code}\\b`).test(text));
    return (namesCode || document === "README.md") && linksIntoReference(text).length === 0;
  });
  assert.deepEqual(unlinked, []);
});

test(`the links into ${REFERENCE}, and its own, name a heading that is there`, () => {
  const broken: string[] = [];
  const ownAnchors = anchorsOf(REFERENCE);
  for (const document of otherDocuments())
    for (const { anchor } of linksIntoReference(readFileSync(join(ROOT, document), "utf8")))
      if (anchor !== undefined && !ownAnchors.has(anchor)) broken.push(`${document} -> #${anchor}`);
  // Its own: to its headings (`#tracehop_...`) and to the sections of docs/ that give the details.
  let links = 0;
  for (const match of reference.matchAll(/\]\(([a-z-]+\.md)?#([^)\s]+)\)/g)) {
    links++;
    const target = match[1] === undefined ? REFERENCE : `docs/${match[1]}`;
    if (!anchorsOf(target).has(match[2]!)) broken.push(`${REFERENCE} -> ${target}#${match[2]}`);
  }
  assert.ok(links > 20, `only ${links} links in ${REFERENCE}`);
  assert.deepEqual(broken, []);
});
