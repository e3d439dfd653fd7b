// Every function and class the package exports carries its docstring in the declarations a consumer's
// editor reads (dist/src/**/*.d.ts, through the exports map): a JSDoc block that sits on the wrong
// declaration in the source (a private helper placed between a docblock and the function it
// documents) compiles without a word and leaves the export undocumented. `npm test` builds dist first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { entryPoints } from "./entry-points.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `entry: name` of each exported function or class of `files` without a JSDoc comment. */
function undocumentedExports(files: string[]): { checked: string[]; undocumented: string[] } {
  const program = ts.createProgram(files, { noEmit: true, skipLibCheck: true });
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
  const { checked, undocumented } = undocumentedExports(entryPoints(ROOT));
  assert.ok(
    checked.some((name) => name.endsWith(": startTracing")),
    checked.join("\n"),
  );
  assert.ok(checked.length > 20, `only ${checked.length} exports checked`);
  assert.deepEqual(undocumented, []);
});
