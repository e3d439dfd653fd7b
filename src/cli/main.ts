#!/usr/bin/env node
import { existsSync, fstatSync } from "node:fs";
import { JSON_NUMBER_ID_WARNING } from "../propagation/datadog/ids.js";
import { markWarned } from "../warn-once.js";
import { VERSION } from "../version.js";
import { readEnvironment } from "./environment.js";
import { inspectCarrier } from "./inspect.js";
import { InspectInputError, parseInspectInput } from "./input.js";
import { LOOKS_LIKE_FILE_NAME, readInputText } from "./read-input.js";
import { EXIT_FAILED, EXIT_NO_CONTEXT, EXIT_USAGE, EXIT_VALID, printable, writeReports } from "./report.js";

const USAGE = `usage: tracehop inspect [--json] [--styles a,b,...] [--field NAME] [--] <json | file | ->

Decodes a stored trace carrier (a JSON object of header -> value, e.g. a database row's
trace column, or a whole row with a traceContext field): each propagation style valid or why
it was rejected, and the restored context (trace id in 128-bit hex and Datadog decimal, parent
id, sampling, origin, tags, tracestate, baggage keys, conflict links). A JSON array of rows
(sqlite3 -json, psql json_agg), or one row per line (psql -At: a JSON object, a JSON string holding
one, null, or an empty line for a NULL column; mysql -N -B: NULL for a NULL column, its \\n \\t \\0 \\\\
escapes undone), gives one report per row. A value that holds no carrier (null, NULL, a number)
is a row without one (exit 1), alone or among rows, and so is a whole row whose carrier field
holds such a value ({"id": 2, "traceContext": null}).

  <json>       the carrier as JSON text (starts with "{", or "[" for rows)
  <file>       a file holding the JSON: UTF-8, or UTF-16 with a byte order mark; at most 256 MiB
  -            read the JSON from standard input (the same)
  --           the end of the options, before a file whose name starts with -
  --json       print the report as JSON
  --styles     extract order; without it, the order a service in this environment uses:
               DD_TRACE_PROPAGATION_STYLE_EXTRACT, else DD_TRACE_PROPAGATION_STYLE, else
               OTEL_PROPAGATORS, else the deprecated DD_PROPAGATION_STYLE_EXTRACT (as
               dd-trace-java reads it), else datadog,tracecontext,baggage (the report says which);
               a style valid on its own but left out of it is a diagnostic saying what to set, when
               the order restores nothing (exit 1) or when that style names another trace
  --field      the row's carrier field, for a model whose carrier column is not traceContext
               (the Prisma extension's models: { Outbox: "carrier" }). Without it a row is read
               through traceContext; a row with neither that nor a propagation header at its top
               level is read through its one field that holds a carrier, with a diagnostic

environment: besides the extract order, what a service here would use is read as the library reads
it: DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT, DD_TRACE_PROPAGATION_EXTRACT_FIRST and
DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH; the report says what each changes and which values the library
does not use (--json: extractBehavior, extractFirst, tagsMaxLength, tagsMaxLengthSource)

tracehop --version (-V) prints the version.

exit codes: 0 a valid context (in every row), 1 no valid context (in some row),
            2 usage or input error (or the report cannot be written),
            3 inspect itself failed (a bug: please report it)`;

/**
 * `tracehop` entry point; resolves to the exit code. The reports are written one by one, each once
 * standard output has taken the one before ({@link writeOut}).
 */
async function main(argv: readonly string[]): Promise<number> {
  // The report names every id stored as a JSON number (a diagnostic): no process warning besides.
  markWarned(JSON_NUMBER_ID_WARNING);
  const args = [...argv];
  // Options end at "--": a file named --help after it is read, not taken for the option.
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  const help = options.includes("--help") || options.includes("-h");
  if (!help && (options.includes("--version") || options.includes("-V"))) {
    process.stdout.write(`tracehop ${VERSION}\n`);
    return EXIT_VALID;
  }
  if (args[0] !== "inspect" || help) {
    if (help) {
      process.stdout.write(USAGE + "\n");
      return EXIT_VALID;
    }
    const what = args[0] === undefined ? "no command given" : `unknown command ${JSON.stringify(args[0])}`;
    process.stderr.write(`tracehop: ${printable(what)}; the command is inspect\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  args.shift();
  const parsed = parseInspectArguments(args);
  if (typeof parsed === "string") return usage(parsed);
  const { json, styles, field, inputs } = parsed;
  if (inputs.length !== 1) return usage(oneInput(inputs));
  try {
    const environment = readEnvironment(process.env, styles);
    const { rows: many, carriers } = parseInspectInput(readInputText(inputs[0]), field);
    return await writeReports(
      carriers,
      ({ carrier, diagnostics, noCarrier }) => {
        const report = inspectCarrier(carrier, { environment, diagnostics, noCarrier });
        // The exit code of the reports made so far, for a reader that stops reading (onStdoutError).
        if (!report.valid) process.exitCode = EXIT_NO_CONTEXT;
        return report;
      },
      { json, rows: many },
      writeOut,
    );
  } catch (err) {
    // Only an InspectInputError is the user's input (readInputText, parseInspectInput, and --styles
    // through readEnvironment): any other error, a TypeError too, is a bug in inspect, not bad input.
    if (err instanceof InspectInputError) {
      process.stderr.write(`tracehop inspect: ${printable(err.message)}\n`);
      return EXIT_USAGE;
    }
    // Never a stack trace: what failed, in one line, and that it is tracehop's fault.
    process.stderr.write(
      `tracehop inspect: failed on this input (${printable(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}); ` +
        "this is a bug in tracehop inspect: please report it with the input\n",
    );
    return EXIT_FAILED;
  }
}

/** The arguments of `tracehop inspect`, read. */
interface InspectArguments {
  json: boolean;
  styles: string | undefined;
  field: string | undefined;
  /** The inputs named (one is read; more or none is a usage error). */
  inputs: string[];
}

/**
 * Reads the arguments after `inspect`: `--json`, `--styles LIST` / `--styles=LIST`, `--field NAME` /
 * `--field=NAME`, `--` (a file whose name starts with `-` follows), and the inputs. Returns what is wrong,
 * as the usage error says it, for an option without its value or an unknown option.
 */
function parseInspectArguments(args: readonly string[]): InspectArguments | string {
  const parsed: InspectArguments = { json: false, styles: undefined, field: undefined, inputs: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      // The end of the options: a file whose name starts with "-" follows.
      parsed.inputs.push(...args.slice(i + 1));
      break;
    } else if (arg === "--json") parsed.json = true;
    else if (arg === "--styles") {
      const styles = args[++i];
      // `--styles --json`: the value was left out (--styles=VALUE gives any value).
      if (styles === undefined || styles.startsWith("--"))
        return "--styles needs a value: a comma-separated list of styles, e.g. --styles datadog,tracecontext";
      parsed.styles = styles;
    } else if (arg.startsWith("--styles=")) parsed.styles = arg.slice("--styles=".length);
    else if (arg === "--field" || arg.startsWith("--field=")) {
      const field = arg === "--field" ? args[++i] : arg.slice("--field=".length);
      if (field === undefined || field === "" || (arg === "--field" && field.startsWith("--")))
        return "--field needs a value: the name of the row's carrier field, e.g. --field carrier";
      parsed.field = field;
    } else if (arg.startsWith("--")) return `unknown option ${arg}`;
    else if (/^-[A-Za-z]/.test(arg) && !LOOKS_LIKE_FILE_NAME.test(arg) && !existsSync(arg))
      // -x: an option, not a file (a file named so exists, or has an extension: -row.json).
      return `unknown option ${arg} (a file whose name starts with - follows --: tracehop inspect -- ${arg})`;
    else parsed.inputs.push(arg);
  }
  return parsed;
}

/**
 * Why `inputs` is not one input: none, or several, named; several that start a JSON object or array
 * are most likely JSON text the shell split at its spaces (it was not quoted).
 */
function oneInput(inputs: readonly string[]): string {
  const what = "give exactly one carrier: JSON text, a file, or -";
  if (inputs.length === 0)
    return stdinIsPiped()
      ? `${what} (standard input is a pipe or a file, read only with -: ... | tracehop inspect -)`
      : what;
  const shown = inputs.slice(0, 3).map((input) => (input.length > 40 ? input.slice(0, 40) + "…" : input));
  const got = `got ${inputs.length} arguments: ${shown.join(" ")}${inputs.length > 3 ? " …" : ""}`;
  return /^\s*[{[]/.test(inputs[0])
    ? `${what}, ${got}; JSON text with spaces is one argument when quoted: put it in single quotes, tracehop inspect '{"traceparent": "…"}'`
    : `${what}, ${got}`;
}

/** True when standard input is a pipe or a file (`psql ... | tracehop inspect`), not a terminal. */
function stdinIsPiped(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    return false;
  }
}

function usage(message: string): number {
  process.stderr.write(`tracehop inspect: ${printable(message)}\n\n${USAGE}\n`);
  return EXIT_USAGE;
}

/**
 * Standard output that cannot be written (a report, --help or --version): a reader that stopped reading
 * (`tracehop inspect rows.json | head`, EPIPE) wanted no more, so the process ends quietly with the
 * report's exit code; another failure (ENOSPC) is said in one line, exit {@link EXIT_USAGE}. Never
 * Node's unhandled 'error' stack trace.
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== "EPIPE")
    process.stderr.write(
      `tracehop: cannot write to standard output: ${printable(err.code ?? err.message)}\n`,
    );
  process.exit(err.code === "EPIPE" ? (process.exitCode ?? EXIT_VALID) : EXIT_USAGE);
}

/**
 * `chunk` written to standard output; when it holds more than its buffer (a pipe whose reader is
 * slower, or stopped reading), a promise of its 'drain': the next report is made only then, so a large
 * input's reports are never buffered whole, and a reader that closed (`| head`) ends inspect at its
 * 'error' ({@link onStdoutError}) after a buffer's worth of reports, not after all of them.
 */
function writeOut(chunk: string): Promise<void> | undefined {
  return process.stdout.write(chunk)
    ? undefined
    : new Promise((resolve) => process.stdout.once("drain", () => resolve()));
}

process.stdout.on("error", onStdoutError);
// Standard error that cannot be written (2>/dev/full, a closed pipe): the message is lost, the exit
// code still says what happened (never Node's exit 1 for an unhandled 'error').
process.stderr.on("error", () => {});
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
