/**
 * The environment variables tracehop's propagation reads (README.md and docs/migration.md): tests
 * that compare against a fixed style order clear or restore them, so that a developer's shell (a
 * `DD_TRACE_PROPAGATION_STYLE` exported for dd-trace) cannot change what they see.
 */
export const PROPAGATION_SETTINGS: readonly string[] = [
  "DD_TRACE_PROPAGATION_STYLE",
  "DD_TRACE_PROPAGATION_STYLE_INJECT",
  "DD_TRACE_PROPAGATION_STYLE_EXTRACT",
  "DD_TRACE_PROPAGATION_EXTRACT_FIRST",
  "DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT",
  "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH",
  "OTEL_PROPAGATORS",
  "DD_PROPAGATION_STYLE_EXTRACT",
  "DD_PROPAGATION_STYLE_INJECT",
];
