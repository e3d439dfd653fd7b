// `tracehop` as a function of its arguments and its input/output: what the bin runs with the
// process's standard streams and environment, and what a caller can run in-process with buffers and an
// environment of its own. The rule that makes this so: standard streams, the environment and the exit code
// are reached only through `CommandIo`, never through `process` (files named as input are read relative
// to the current directory, and the library's once-per-process warnings stay the process's: runTracehop
// says which). Internal: not in the package's exports map.
import { existsSync } from "node:fs";
import { MAX_FIELDS_LOOKED_INTO } from "../context/carrier-in-other-field.js";
import { quoteWritten } from "../describe-value.js";
import { MAX_FIELDS_LOOKED_AT } from "../context/holds-carrier.js";
import { nearestName } from "../edit-distance.js";
import { JSON_NUMBER_ID_WARNING } from "../propagation/datadog/ids.js";
import { markWarned } from "../warn-once.js";
import { VERSION } from "../version.js";
import { readEnvironment } from "./environment.js";
import { inspectCarrier } from "./inspect.js";
import { type ArrayReading, InspectInputError, parseInspectInput } from "./input.js";
import { type InputSource, LOOKS_LIKE_FILE_NAME, readInput } from "./read-input.js";
import { EXIT_FAILED, EXIT_NO_CONTEXT, EXIT_USAGE, EXIT_VALID, printable, writeReports } from "./report.js";
import { runSpans, SPANS_OPTIONS, SPANS_USAGE } from "./spans-command.js";

/**
 * What `tracehop` runs with besides its arguments: in the bin the process's standard streams
 * and environment; in a test, buffers and an environment of its own.
 */
export interface CommandIo {
  /**
   * Writes `chunk` (text, written as UTF-8) to standard output. Returns a promise when the next chunk
   * should wait for it (the bin: standard output's buffer is full, until its 'drain'), else `undefined`.
   * An error it throws while a report is written is a bug in inspect (exit {@link EXIT_FAILED}).
   */
  writeOut(chunk: string): Promise<void> | undefined;
  /** Writes `chunk` to standard error; never throws (a message that cannot be written is lost). */
  writeErr(chunk: string): void;
  /** The environment a service here would read its propagation settings from (the bin: `process.env`). */
  env: NodeJS.ProcessEnv;
  /** Standard input: read only for the input `-`; whether it is a pipe shapes the missing-input error. */
  stdin: InputSource;
  /**
   * Told {@link EXIT_NO_CONTEXT} each time a report without a valid context is made: the exit code of the
   * reports made so far, before the returned promise settles (the bin sets `process.exitCode`, the code
   * it exits with when standard output's reader stops reading). Optional.
   */
  reportsExitCode?(code: number): void;
}

const USAGE = `usage: tracehop inspect [--json] [--styles a,b,...] [--field NAME[.NAME...]] [--array rows|value] [--] <json | file | ->

Decodes a stored trace carrier (a JSON object of header -> value, e.g. a database row's
trace column, or a whole row with a traceContext field): each propagation style valid or why
it was rejected, and the restored context (trace id in 128-bit hex and Datadog decimal, parent
id, sampling, origin, tags, tracestate, baggage keys, conflict links). A JSON array of rows
(sqlite3 -json, psql json_agg), or one row per line (psql -At: a JSON object, a JSON string holding
one, null, or an empty line for a NULL column; mysql -N -B: NULL for a NULL column, its \\n \\t \\0 \\\\
escapes undone; a traceparent value alone, as ->>'traceparent' prints it, is read as the carrier
{"traceparent": ...}, said on the report's first line), gives one report per row. A value that holds no carrier (null, NULL, a number)
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
               (the Prisma extension's models: { Outbox: "carrier" }), or a dotted path to one
               deeper in the row: --field payload.traceContext, --field meta.trace.carrier (each
               step an object or its JSON text; a field whose own name holds the dot, "a.b", wins
               over the path). Without it a row is read through traceContext; a row with neither
               that nor a propagation header at its top level is read through its one field that
               holds a carrier, or else its one field two levels down that holds one (the first ${MAX_FIELDS_LOOKED_AT}
               fields, ${MAX_FIELDS_LOOKED_INTO} of them looked into), with a diagnostic naming the --field to pass;
               one further in (up to eight levels) is named, not read
  --array      how input that is one JSON array (the whole input, or its one line) is read:
               rows (the default: a report per element, as json_agg and sqlite3 -json print a
               query's rows; the text report's first line says so, --json: arrayElement) or value
               (one column's value that is an array, a Json column holding one: psql -At prints it
               as it prints json_agg's rows; withCarrier reads no carrier from it, exit 1)

environment: besides the extract order, what a service here would use is read as the library reads
it: DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT, DD_TRACE_PROPAGATION_EXTRACT_FIRST and
DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH; the report says what each changes and which values the library
does not use (--json: extractBehavior, extractFirst, tagsMaxLength, tagsMaxLengthSource)

tracehop help inspect (or tracehop inspect --help) prints this usage; tracehop help (or --help, -h)
prints the usage of every command; tracehop --version (-V) prints the version.

exit codes: 0 a valid context (in every row; one read from a field withCarrier(row) does not
              read is said on the report's first line, --json: carrierFrom; so is a
              traceparent value alone, read as a carrier of that header, --json: readAs),
            1 no valid context (in some row),
            2 usage or input error (or the report cannot be written),
            3 inspect itself failed (a bug: please report it)`;

/**
 * Runs `tracehop` with `argv` (the arguments after the program's name: `["inspect", "--json", "-"]`,
 * `["spans", "--last", "3"]`: `spans` is `runSpans`, whose usage says its exit codes) and resolves to its
 * exit code: {@link EXIT_VALID}, {@link EXIT_NO_CONTEXT}, {@link EXIT_USAGE} (usage
 * or input error, said on `io.writeErr`) or {@link EXIT_FAILED} (inspect itself failed, said in one line).
 * The reports are written one by one through `io.writeOut`, each once the promise it returned for the one
 * before (if any) has resolved. Reads files and tells options from file names relative to the current
 * directory. What stays the process's: the library's warnings given once per process (`markWarned`:
 * none for the ids stored as JSON numbers that the report names), read under `process.env`'s
 * OTEL_SDK_DISABLED. Rejects only when `io.writeOut` throws outside a report (`--help`, `--version`).
 */
export async function runTracehop(argv: readonly string[], io: CommandIo): Promise<number> {
  // The report names every id stored as a JSON number (a diagnostic): no process warning besides.
  markWarned(JSON_NUMBER_ID_WARNING);
  const args = [...argv];
  // Options end at "--": a file named --help after it is read, not taken for the option.
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  const help = options.includes("--help") || options.includes("-h");
  if (!help && (options.includes("--version") || options.includes("-V"))) {
    // One short chunk (under any buffer's size), written without waiting, as --help below.
    void io.writeOut(`tracehop ${VERSION}\n`);
    return EXIT_VALID;
  }
  if (args[0] === "help" && !help) {
    // `tracehop help [inspect | spans]`: that command's usage, or every command's (as --help).
    const message = helpError(args.slice(1));
    if (message === undefined) {
      void io.writeOut(usageOf(args[1]) + "\n");
      return EXIT_VALID;
    }
    io.writeErr(`tracehop: ${printable(message)}\n${TOP_HELP}\n`);
    return EXIT_USAGE;
  }
  if (args[0] === "spans" && !help) return runSpans(args.slice(1), io);
  if (args[0] !== "inspect" || help) {
    if (help) {
      void io.writeOut(usageOf(args[0]) + "\n");
      return EXIT_VALID;
    }
    const [message, inspectUsage] = commandError(args[0]);
    io.writeErr(`tracehop: ${printable(message)}\n${inspectUsage ? INSPECT_HELP : TOP_HELP}\n`);
    return EXIT_USAGE;
  }
  args.shift();
  const parsed = parseInspectArguments(args);
  if (typeof parsed === "string") return usage(io, parsed);
  const { json, styles, field, array, inputs } = parsed;
  if (inputs.length !== 1) return usage(io, oneInput(inputs, io.stdin));
  try {
    const environment = readEnvironment(io.env, styles);
    const input = readInput(inputs[0], io.stdin);
    const { rows: many, carriers, readNote } = parseInspectInput(input.text, field, input.argument, array);
    return await writeReports(
      carriers,
      ({ carrier, diagnostics, noCarrier, carrierFrom, readAs, arrayElement }) => {
        const report = inspectCarrier(carrier, {
          environment,
          diagnostics,
          noCarrier,
          carrierFrom,
          readAs,
          arrayElement,
        });
        // The exit code of the reports made so far, for a reader that stops reading (the bin's).
        if (!report.valid) io.reportsExitCode?.(EXIT_NO_CONTEXT);
        return report;
      },
      { json, rows: many, readNote },
      (chunk) => io.writeOut(chunk),
    );
  } catch (err) {
    // Only an InspectInputError is the user's input (readInput, parseInspectInput, and --styles
    // through readEnvironment): any other error, a TypeError too, is a bug in inspect, not bad input.
    if (err instanceof InspectInputError) {
      io.writeErr(`tracehop inspect: ${printable(err.message)}\n`);
      return EXIT_USAGE;
    }
    // Never a stack trace: what failed, in one line, and that it is tracehop's fault.
    io.writeErr(
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
  /** `--array`: how one JSON array is read ({@link ArrayReading}), rows unless given. */
  array: ArrayReading;
  /** The inputs named (one is read; more or none is a usage error). */
  inputs: string[];
}

/**
 * Reads the arguments after `inspect`: `--json`, `--styles LIST` / `--styles=LIST`, `--field NAME` /
 * `--field=NAME`, `--array rows|value` / `--array=...`, `--` (a file whose name starts with `-` follows),
 * and the inputs. Returns what is wrong,
 * as the usage error says it, for an option without its value or an unknown option.
 */
function parseInspectArguments(args: readonly string[]): InspectArguments | string {
  const parsed: InspectArguments = {
    json: false,
    styles: undefined,
    field: undefined,
    array: "rows",
    inputs: [],
  };
  let array: string | undefined;
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
      const twice = givenTwice("--styles", parsed.styles, styles);
      if (twice !== undefined) return twice;
      parsed.styles = styles;
    } else if (arg.startsWith("--styles=")) {
      const styles = arg.slice("--styles=".length);
      const twice = givenTwice("--styles", parsed.styles, styles);
      if (twice !== undefined) return twice;
      parsed.styles = styles;
    } else if (arg === "--field" || arg.startsWith("--field=")) {
      const field = arg === "--field" ? args[++i] : arg.slice("--field=".length);
      if (field === undefined || field === "" || (arg === "--field" && field.startsWith("--")))
        return "--field needs a value: the name of the row's carrier field, e.g. --field carrier";
      const twice = givenTwice("--field", parsed.field, field);
      if (twice !== undefined) return twice;
      parsed.field = field;
    } else if (arg === "--array" || arg.startsWith("--array=")) {
      const value = arg === "--array" ? args[++i] : arg.slice("--array=".length);
      if (value !== "rows" && value !== "value")
        return (
          `--array takes rows or value${value === undefined ? "" : `, got ${quoteWritten(value)}`}: how one JSON array is read, ` +
          "rows (a report per element, as json_agg and sqlite3 -json print rows: the default) or value (one column's value that is an array, which holds no carrier)"
        );
      const twice = givenTwice("--array", array, value);
      if (twice !== undefined) return twice;
      array = parsed.array = value;
    } else if (arg.startsWith("--")) {
      const guess = nearOption(arg, INSPECT_OPTIONS);
      return `unknown option ${arg}; ${guess === undefined ? `the options are ${INSPECT_OPTIONS.filter((o) => o.startsWith("--")).join(", ")}` : `did you mean ${guess}?`}`;
    } else if (/^-[A-Za-z]/.test(arg) && !LOOKS_LIKE_FILE_NAME.test(arg) && !existsSync(arg)) {
      // -x: an option, not a file (a file named so exists, or has an extension: -row.json).
      const guess = nearOption(arg, INSPECT_OPTIONS);
      return guess === undefined
        ? `unknown option ${arg} (a file whose name starts with - follows --: tracehop inspect -- ${arg})`
        : `unknown option ${arg}; did you mean ${guess}? (a file whose name starts with - follows --: tracehop inspect -- ${arg})`;
    } else parsed.inputs.push(arg);
  }
  return parsed;
}

/**
 * The usage error of an option given a second time with another value (`--field a --field b`: which
 * was meant cannot be told, so neither is taken), or `undefined` (the first time, or the same value).
 */
function givenTwice(option: string, before: string | undefined, value: string): string | undefined {
  if (before === undefined || before === value) return undefined;
  return `${option} is given twice, as ${quoteWritten(before)} and ${quoteWritten(value)}: give it once`;
}

/**
 * Why `inputs` is not one input: none, or several, named; several that start a JSON object or array
 * are most likely JSON text the shell split at its spaces (it was not quoted). None with `stdin` a pipe
 * or a file: that it is read only with `-`.
 */
function oneInput(inputs: readonly string[], stdin: InputSource): string {
  const what = "give exactly one carrier: JSON text, a file, or -";
  if (inputs.length === 0)
    return stdin.isPiped()
      ? `${what} (standard input is a pipe or a file, read only with -: ... | tracehop inspect -)`
      : what;
  const shown = inputs.slice(0, 3).map((input) => (input.length > 40 ? input.slice(0, 40) + "…" : input));
  const got = `got ${inputs.length} arguments: ${shown.join(" ")}${inputs.length > 3 ? " …" : ""}`;
  return /^\s*[{[]/.test(inputs[0])
    ? `${what}, ${got}; JSON text with spaces is one argument when quoted: put it in single quotes, tracehop inspect '{"traceparent": "…"}'`
    : `${what}, ${got}`;
}

/**
 * Says the usage error `message` on `io.writeErr`, and where the usage is (not the usage itself: its
 * sixty lines would scroll the one that says what is wrong away); returns {@link EXIT_USAGE}.
 */
function usage(io: CommandIo, message: string): number {
  io.writeErr(`tracehop inspect: ${printable(message)}\n${INSPECT_HELP}\n`);
  return EXIT_USAGE;
}

/** The line after a usage error of `tracehop` itself (no command, or an unknown one). */
const TOP_HELP = "tracehop --help shows the usage";
/** The line after a usage error of `tracehop inspect`'s arguments. */
const INSPECT_HELP = "tracehop inspect --help shows the usage";

/** The options `tracehop` reads before its command (and anywhere before `--`). */
const TOP_OPTIONS = ["--help", "--version", "-h", "-V"] as const;
/** The options of `tracehop inspect`: its own, then the ones read anywhere. */
const INSPECT_OPTIONS = ["--json", "--styles", "--field", "--array", ...TOP_OPTIONS] as const;

/**
 * The option of `options` that `arg` (`--feild`, `--feild=carrier`, `-json`) misspells, as it would be
 * written (its `=value` kept: `--field=carrier`), or `undefined`: the name compared without its dashes
 * and case-insensitively (`-v` is `-V`), within the distance of `nearestName`.
 */
function nearOption(arg: string, options: readonly string[]): string | undefined {
  const equals = arg.indexOf("=");
  const name = equals < 0 ? arg : arg.slice(0, equals);
  const near = nearestName(name, options, (text) => text.replace(/^-+/, "").toLowerCase());
  return near === undefined ? undefined : near + (equals < 0 ? "" : arg.slice(equals));
}

/** The commands of `tracehop`: inspect, spans, and help (which prints the usage, as --help). */
const COMMANDS = ["inspect", "spans", "help"] as const;

/** What the usage errors say the commands are. */
const THE_COMMANDS = "the commands are inspect and spans";

/**
 * The usage `tracehop help <command>` and `tracehop <command> --help` print: inspect's, spans's, or
 * (no command, or `help`) every command's, inspect's first.
 */
function usageOf(command: string | undefined): string {
  if (command === "inspect") return USAGE;
  if (command === "spans") return SPANS_USAGE;
  return `${USAGE}\n\n${SPANS_USAGE}`;
}

/**
 * What is wrong with the arguments after `tracehop help` (`rest`), or `undefined` when the usage is to be
 * printed: none, or one command (`inspect`, `help`); a command misspelt is the usage error of `tracehop`
 * given it (did you mean), more than one argument is said with the command to write.
 */
function helpError(rest: readonly string[]): string | undefined {
  if (rest.length > 1)
    return `help takes at most one command, got ${rest.length} arguments: ${rest.map((arg) => quoteWritten(arg)).join(" ")}; write tracehop help inspect or tracehop help spans`;
  const [command] = rest;
  if (command === undefined || (COMMANDS as readonly string[]).includes(command)) return undefined;
  return commandError(command)[0];
}

/**
 * What is wrong when `tracehop` is not given its command first (`first`, the first argument, or
 * `undefined`), and whether it is said of inspect (an option of inspect given without the command, whose
 * usage is then inspect's): no command, a command or option misspelt (did you mean, as `nearestName`
 * reads a name), an option of inspect before the command.
 */
function commandError(first: string | undefined): [message: string, inspectUsage: boolean] {
  if (first === undefined) return [`no command given; ${THE_COMMANDS}`, false];
  if (/^--?[A-Za-z]/.test(first)) {
    const name = first.split("=", 1)[0]!;
    if ((INSPECT_OPTIONS as readonly string[]).includes(name))
      return [`${name} is an option of inspect; write tracehop inspect ${name} ...`, true];
    if ((SPANS_OPTIONS as readonly string[]).includes(name))
      return [`${name} is an option of spans; write tracehop spans ${name} ...`, false];
    const guess = nearOption(first, INSPECT_OPTIONS);
    if (guess === undefined) return [`unknown option ${first}; ${THE_COMMANDS}`, false];
    const ofInspect = !(TOP_OPTIONS as readonly string[]).includes(guess.split("=", 1)[0]!);
    return [
      `unknown option ${first}; did you mean ${ofInspect ? `tracehop inspect ${guess}` : guess}?`,
      ofInspect,
    ];
  }
  const near = nearestName(first, COMMANDS, (text) => text.toLowerCase());
  return [
    `unknown command ${quoteWritten(first)}; ${near === undefined ? THE_COMMANDS : `did you mean ${near}?`}`,
    false,
  ];
}
