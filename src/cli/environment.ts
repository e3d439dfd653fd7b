// What the environment sets for a service's extraction, read as the library reads it.
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { extractStylesFromEnvironment, type PropagationStyle } from "../propagation/create-propagator.js";

/** The extract order `tracehop inspect` uses, where it came from, and what reading it warned. */
export interface ExtractOrder {
  styles: PropagationStyle[];
  /** `default`, `--styles`, or the environment variable it was read from. */
  source: string;
  /** The library's warnings about the variable (an unknown style, no known style): diagnostics. */
  diagnostics: string[];
}

/**
 * The extract order a service started in `env` would use: what `createPropagator()` reads
 * (`DD_TRACE_PROPAGATION_STYLE_EXTRACT`, `DD_TRACE_PROPAGATION_STYLE`, `OTEL_PROPAGATORS`, else the
 * default; `extractStylesFromEnvironment`), with the warnings the library gives about it (its
 * `diag.warn` messages) as diagnostics. A process warning is printed on stderr as well, as in a service.
 */
export function extractOrderFromEnvironment(env: NodeJS.ProcessEnv = process.env): ExtractOrder {
  const warnings: string[] = [];
  const note = (message: string) => warnings.push(message.replace(/^tracehop: /, ""));
  const noop = () => {};
  diag.setLogger({ warn: note, error: note, info: noop, debug: noop, verbose: noop }, DiagLogLevel.WARN);
  let read: ReturnType<typeof extractStylesFromEnvironment>;
  try {
    read = extractStylesFromEnvironment(env);
  } finally {
    diag.disable();
  }
  const source = read.variable ?? "default";
  // The library's messages name the variable only when it names no known style.
  for (const [i, message] of warnings.entries())
    if (read.variable !== undefined && !message.startsWith(read.variable))
      warnings[i] = `${read.variable}: ${message}`;
  if (read.variable !== undefined && read.styles.length === 0 && warnings.length === 0)
    warnings.push(
      `${read.variable}=${JSON.stringify(env[read.variable])}: a service with this setting extracts nothing`,
    );
  return { styles: read.styles, source, diagnostics: warnings };
}
