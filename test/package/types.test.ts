// The types as a consumer sees them: tsc (the project's TypeScript, strict, NodeNext) compiles
// test/package/fixtures/*.ts, which import tracehop by name through the package's exports map (the
// declarations in dist/, which `npm test` builds first). Any diagnostic fails the test, including an
// unused `@ts-expect-error` (a mistake that stopped being a type error).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** `tsc -p project` run from the repository's root: its exit status and output. */
function compile(project: string) {
  return spawnSync(process.execPath, [TSC, "-p", project], { cwd: ROOT, encoding: "utf8" });
}

test("a consumer's typed calls compile: traced(options)(fn), @traced on methods (test/package/fixtures/traced-decorators.ts) and the callback helpers (docs/restore.md), tracehop in an own NodeSDK (docs/export.md)", () => {
  const child = compile("test/package/fixtures/tsconfig.json");
  assert.equal(child.stdout + child.stderr, "");
  assert.equal(child.status, 0);
});

test("tsc's error for a decorated method whose parameters do not fit carrierFrom's tuple names both", (t) => {
  // Under the package root, so that `tracehop` resolves through the exports map as in the fixtures.
  const dir = join(ROOT, ".tmp", `types-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true },
      include: [],
      files: ["mismatch.ts"],
    }),
  );
  writeFileSync(
    join(dir, "mismatch.ts"),
    [
      'import { traced } from "tracehop";',
      "interface Outbox { id: number; carrier: Record<string, string> }",
      "interface Job { id: string }",
      "export class Relay {",
      "  @traced({ carrierFrom: ([outbox]: [Outbox]) => outbox.carrier })",
      "  async relay(job: Job) { return job.id; }",
      "}",
      "",
    ].join("\n"),
  );
  const child = compile(join(dir, "tsconfig.json"));
  const output = child.stdout + child.stderr;
  assert.equal(child.status, 2, output);
  // One diagnostic, at the decorator, whose overload text names the method's parameters and the tuple.
  assert.equal(output.match(/error TS/g)?.length, 1, output);
  assert.match(output, /mismatch\.ts\(5,4\): error TS1241: Unable to resolve signature of method decorator/);
  assert.match(
    output,
    /Type '\(job: Job\) => Promise<string>' is not assignable to type 'MethodParametersMustFitCarrierFrom<\[job: Job\], \[Outbox\]>'/,
  );
});

test("tsc's error for a well-known messaging system in another case names the spelling to use (the runtime's TypeError, at compile time)", (t) => {
  const dir = join(ROOT, ".tmp", `types-system-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true },
      include: [],
      files: ["system.ts"],
    }),
  );
  writeFileSync(
    join(dir, "system.ts"),
    [
      'import { withProcessSpan } from "tracehop/messaging";',
      "declare const msg: unknown;",
      'withProcessSpan(msg, { system: "RabbitMQ", destination: "jobs" }, () => 1);',
      "",
    ].join("\n"),
  );
  const child = compile(join(dir, "tsconfig.json"));
  const output = child.stdout + child.stderr;
  assert.equal(child.status, 2, output);
  assert.equal(output.match(/error TS/g)?.length, 1, output);
  assert.match(
    output,
    /system\.ts\(3,24\): error TS2322: Type '"RabbitMQ"' is not assignable to type '"RabbitMQ" & \{ "options\.system: a well-known system is written in lower case": "rabbitmq"; \}'/,
  );
});

test("editors still offer the well-known system names in each messaging helper's options (the compile-time check of system keeps them)", (t) => {
  const dir = join(ROOT, ".tmp", `types-offers-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "offers.ts");
  const text = [
    'import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "tracehop/messaging";',
    'withSendSpan({ system: "", destination: "jobs" }, () => 1);',
    'withProcessSpan({}, { system: "", destination: "jobs" }, () => 1);',
    'withBatchProcessSpan([], { system: "", destination: "jobs" }, () => 1);',
    "",
  ].join("\n");
  writeFileSync(file, text);
  const service = ts.createLanguageService({
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) =>
      ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name)!) : undefined,
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => ({
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
    }),
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath!,
  });
  let from = 0;
  for (const helper of ["withSendSpan", "withProcessSpan", "withBatchProcessSpan"]) {
    const position = text.indexOf('system: "', from) + 'system: "'.length;
    from = position;
    const offered = service.getCompletionsAtPosition(file, position, {})?.entries.map((e) => e.name) ?? [];
    for (const name of ["rabbitmq", "kafka", "aws.sqs", "nats", "mqtt"])
      assert.ok(offered.includes(name), `${helper} offers ${name}: ${JSON.stringify(offered)}`);
  }
});

/**
 * Under `exactOptionalPropertyTypes` an optional property `p?: T` refuses an explicit `undefined`
 * (TS2379/TS2375) unless its type says `T | undefined`: `{ maxParentAge: cfg.maxParentAge }` with a
 * `number | undefined` would not compile. The runtime reads `undefined` as absent for every optional
 * property of the public option types, so each says so; this compiles, under that setting, an
 * all-`undefined` value of every optional property of each such type of the three entry points.
 * (Not `traceCarrierExtension`'s `models: { Outbox: undefined }`, a TypeError at run time, nor the
 * types tracehop returns: `DatadogContext`, `BaggageProperty`; nor the header method shapes.)
 */
const EXACT_OPTIONAL_TYPES: Record<string, string[]> = {
  tracehop: [
    "DatadogPropagatorOptions",
    "DatadogContextFields",
    "CreatePropagatorOptions",
    "CarrierOptions",
    "CaptureCarrierOptions",
    "WithCarrierOptions",
    "TracedOptions",
    "WithBatchOptions",
    "RestoreDefaults",
    "TraceCarrierProvider",
    "StartTracingOptions",
    "NonNullable<StartTracingOptions['batch']>",
  ],
  "tracehop/prisma": ["TraceCarrierExtensionOptions"],
  "tracehop/messaging": [
    "MessagingSpanOptions",
    "RestoreOptions",
    "ProcessSpanOptions",
    "SendSpanOptions",
    "BatchProcessSpanOptions",
    "WriteCarrierOptions",
    "AmqpFrameMaxOptions",
  ],
  "tracehop/spans": ["ReadSpansFileOptions", "FormatTraceTreeOptions"],
};

test("under exactOptionalPropertyTypes, every optional property of the public option types takes an explicit undefined", (t) => {
  const dir = join(ROOT, ".tmp", `exact-optional-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      // Its own outDir: under the project's (dist), tsc would read src/ behind dist's declarations and
      // compile tracehop's own code under this setting too.
      compilerOptions: {
        noEmit: true,
        exactOptionalPropertyTypes: true,
        noUnusedLocals: false,
        outDir: "out",
        rootDir: ".",
      },
      include: [],
      files: ["exact.ts"],
    }),
  );
  const lines = [
    'import { withCarrier, setRestoreDefaults } from "tracehop";',
    'import { withProcessSpan } from "tracehop/messaging";',
    "/** The optional keys of T. */",
    "type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];",
    "/** T's optional properties, each `undefined`: assignable to them only where the type says `| undefined`. */",
    "function optionalUndefined<T>(value: Pick<T, OptionalKeys<T>>): Pick<T, OptionalKeys<T>> { return value; }",
    "declare function allUndefined<T>(): { [K in OptionalKeys<T>]: undefined };",
  ];
  let index = 0;
  for (const [entry, names] of Object.entries(EXACT_OPTIONAL_TYPES)) {
    const imported = names.filter((name) => /^\w+$/.test(name));
    lines.push(`import type { ${imported.join(", ")} } from "${entry}";`);
    for (const name of names)
      lines.push(`optionalUndefined<${name}>(allUndefined<${name}>()); // ${index++}`);
  }
  // The reviewer's case: an option read from a configuration that may lack it.
  lines.push(
    "declare const config: { maxParentAge: number | undefined; relation: 'auto' | undefined };",
    'withCarrier({}, "job", () => 1, { maxParentAge: config.maxParentAge, relation: config.relation });',
    'withProcessSpan({}, { system: "kafka", destination: "jobs", maxParentAge: config.maxParentAge }, () => 1);',
    "setRestoreDefaults({ maxParentAge: config.maxParentAge });",
    "",
  );
  writeFileSync(join(dir, "exact.ts"), lines.join("\n"));
  const child = compile(join(dir, "tsconfig.json"));
  assert.equal(child.stdout + child.stderr, "");
  assert.equal(child.status, 0);
  // Every exported option type is in the list above (a new one is checked too).
  for (const [entry, file] of [
    ["tracehop", "src/index.ts"],
    ["tracehop/prisma", "src/prisma/index.ts"],
    ["tracehop/messaging", "src/messaging/index.ts"],
    ["tracehop/spans", "src/spans/index.ts"],
  ] as const) {
    const exported =
      readFileSync(join(ROOT, file), "utf8").match(/\b[A-Z]\w*(?:Options|Defaults|Fields)\b/g) ?? [];
    // LogCorrelationFields is what logCorrelationFields returns, all of it required.
    for (const name of new Set(exported))
      if (name !== "LogCorrelationFields")
        assert.ok(EXACT_OPTIONAL_TYPES[entry]!.includes(name), `${entry}: ${name} is checked`);
  }
});
