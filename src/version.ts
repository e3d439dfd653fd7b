/**
 * The version of this package, as its package.json gives it: the `version` of the instrumentation scope
 * of the spans tracehop starts (`trace.getTracer("tracehop", VERSION)`), as OpenTelemetry's own packages
 * name theirs. A constant rather than a read of package.json at load, which a bundled copy of the
 * package would not find; test/package/version.test.ts keeps the two equal.
 */
export const VERSION = "0.1.0";
