import { isPrintableAscii } from "../header-text.js";
import { DATADOG_MEMBER_KEY } from "../w3c/tracestate.js";

/** Datadog propagation header names (Datadog docs, "Propagating trace context"; dd-trace-js `carrier.js`). */
export const X_DATADOG_TRACE_ID = "x-datadog-trace-id";
export const X_DATADOG_PARENT_ID = "x-datadog-parent-id";
export const X_DATADOG_SAMPLING_PRIORITY = "x-datadog-sampling-priority";
export const X_DATADOG_ORIGIN = "x-datadog-origin";
export const X_DATADOG_TAGS = "x-datadog-tags";

/** Upper 64 bits of a 128-bit trace id, as 16 lowercase hex (Datadog docs, "Propagating trace context"). */
export const TID_TAG = "_dd.p.tid";
/** Sampling decision maker, `-<mechanism>` (dd-trace-java `SamplingMechanism`). */
export const DECISION_MAKER_TAG = "_dd.p.dm";
/**
 * Knuth sampling rate: the rate of the agent-rate or rule decision that `_dd.p.dm` names, set with it
 * (dd-trace-js `priority_sampler.js` `SAMPLING_KNUTH_RATE`; dd-trace-java `PTagsFactory`, its
 * `SamplingState` holding the decision maker and this rate together).
 */
export const KNUTH_SAMPLING_RATE_TAG = "_dd.p.ksr";
/** Trace source tag; dd-trace-java writes it third (`PTagsCodec.headerValue`). */
export const TRACE_SOURCE_TAG = "_dd.p.ts";
/**
 * Deprecated tag (Datadog no longer reads it): dd-trace-java skips it in `x-datadog-tags` and as the
 * `dd=` member's `t.upstream_services` (`PTagsCodec.UPSTREAM_SERVICES_DEPRECATED_TAG`), so never writes
 * it; dd-trace-py skips it on extract (`_X_DATADOG_TAGS_EXTRACT_REJECT`). tracehop reads and writes it
 * in neither form; dd-trace-js still forwards it.
 */
export const UPSTREAM_SERVICES_TAG = "_dd.p.upstream_services";
/** Prefix of propagated tags; no other key is propagated (dd-trace-js `_validateTagKey`). */
export const PROPAGATED_TAG_PREFIX = "_dd.p.";
/** Default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`, in characters (dd-trace-js `_extractTags`). */
export const DEFAULT_TAGS_MAX_LENGTH = 512;
/**
 * Largest `tagsMaxLength` / `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` tracehop takes, in characters:
 * `Number.MAX_SAFE_INTEGER`, the largest integer a JavaScript number holds exactly (a larger text such
 * as `99999999999999999999` would be read as another number). Any limit above a header's length keeps
 * every header. Datadog's tracers differ above it: dd-trace-js reads the variable with `Math.trunc`
 * (config `parsers.js` `INT`: 1e20, and also `-1`, `1e3`, `12.5`), dd-trace-java as an `int`
 * (`ConfigProvider.getInteger`: above 2147483647 it keeps its default, 512).
 */
export const MAX_TAGS_MAX_LENGTH = Number.MAX_SAFE_INTEGER;
/**
 * Decision maker written when the W3C sampled flag overrides `s:` on keep (dd-trace-java's
 * `SamplingMechanism.EXTERNAL_OVERRIDE`, rendered `-0`).
 */
export const DECISION_MAKER_EXTERNAL_OVERRIDE = "-0";

/**
 * tracestate vendor key of Datadog (dd-trace-java `W3CPTagsCodec`); defined with the tracestate scan
 * that notes where its member starts.
 */
export const TRACESTATE_DD_KEY = DATADOG_MEMBER_KEY;
/** Longest `dd=` list member, prefix included, in characters (dd-trace-java `W3CPTagsCodec`, dd-trace-go). */
export const TRACESTATE_DD_MAX_LENGTH = 256;
/** `dd=` sub-keys: priority, origin, last parent id (dd-trace-java `W3CPTagsCodec`). */
export const DD_MEMBER_PRIORITY = "s";
export const DD_MEMBER_ORIGIN = "o";
export const DD_MEMBER_PARENT = "p";
/** `t.<name>` in `dd=` is the propagated tag `_dd.p.<name>` (dd-trace-java `W3CPTagsCodec`). */
export const DD_MEMBER_TAG_PREFIX = "t.";

/** Environment variables read by `createPropagator()` (Datadog docs, "Propagating trace context"). */
export const ENV_PROPAGATION_STYLE = "DD_TRACE_PROPAGATION_STYLE";
export const ENV_PROPAGATION_STYLE_INJECT = "DD_TRACE_PROPAGATION_STYLE_INJECT";
export const ENV_PROPAGATION_STYLE_EXTRACT = "DD_TRACE_PROPAGATION_STYLE_EXTRACT";
export const ENV_PROPAGATION_EXTRACT_FIRST = "DD_TRACE_PROPAGATION_EXTRACT_FIRST";
export const ENV_PROPAGATION_BEHAVIOR_EXTRACT = "DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT";
export const ENV_TAGS_MAX_LENGTH = "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH";
export const ENV_OTEL_PROPAGATORS = "OTEL_PROPAGATORS";
/**
 * dd-trace-java's deprecated style variables (`dd.propagation.style.extract|inject`), still read by it
 * after every `DD_TRACE_PROPAGATION_STYLE*` variable (dd-trace-java `Config`); the other Datadog tracers
 * ignore them.
 */
export const ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT = "DD_PROPAGATION_STYLE_EXTRACT";
export const ENV_DEPRECATED_PROPAGATION_STYLE_INJECT = "DD_PROPAGATION_STYLE_INJECT";

/**
 * True when `origin` can travel as an `x-datadog-origin` header value: non-empty printable ASCII
 * (0x20-0x7E), the character set of Datadog tag values (dd-trace-java `DatadogPTagsCodec`). Datadog's
 * tracers copy the origin verbatim (Datadog system-tests, `test_headers_tracestate_dd`);
 * tracehop also refuses control and non-ASCII characters on both extract and inject, so a stored
 * carrier can never make it write CR/LF or NUL into a header.
 */
export function isValidOrigin(origin: string): boolean {
  return origin.length !== 0 && isPrintableAscii(origin);
}

/**
 * True for a `_dd.p.*` tag other than the ones each encoder writes in its fixed place first
 * (`_dd.p.dm`, `_dd.p.tid`, `_dd.p.ts`, as dd-trace-java's `PTagsCodec` orders them): the tags written
 * in arrival order. `_dd.p.` alone names no tag and is not one (dd-trace-js `tagKeyExpr`); nor is the
 * deprecated `_dd.p.upstream_services`, which is never written ({@link UPSTREAM_SERVICES_TAG}).
 */
export function isOtherPropagatedTag(key: string): boolean {
  return (
    key.length > PROPAGATED_TAG_PREFIX.length &&
    key.startsWith(PROPAGATED_TAG_PREFIX) &&
    key !== DECISION_MAKER_TAG &&
    key !== TID_TAG &&
    key !== TRACE_SOURCE_TAG &&
    key !== UPSTREAM_SERVICES_TAG
  );
}
