import { DATADOG_MEMBER_KEY } from "../w3c/tracestate.js";

/** Datadog propagation header names (research rule 1; dd-trace-js `carrier.js`). */
export const X_DATADOG_TRACE_ID = "x-datadog-trace-id";
export const X_DATADOG_PARENT_ID = "x-datadog-parent-id";
export const X_DATADOG_SAMPLING_PRIORITY = "x-datadog-sampling-priority";
export const X_DATADOG_ORIGIN = "x-datadog-origin";
export const X_DATADOG_TAGS = "x-datadog-tags";

/** Upper 64 bits of a 128-bit trace id, as 16 lowercase hex (research rule 16). */
export const TID_TAG = "_dd.p.tid";
/** Sampling decision maker, `-<mechanism>` (research rule 35). */
export const DECISION_MAKER_TAG = "_dd.p.dm";
/** Trace source tag; Java writes it third (research rule 29). */
export const TRACE_SOURCE_TAG = "_dd.p.ts";
/** Deprecated tag that Java and Python drop on extract (research rule 25). */
export const UPSTREAM_SERVICES_TAG = "_dd.p.upstream_services";
/** Prefix of propagated tags (research rule 25). */
export const PROPAGATED_TAG_PREFIX = "_dd.p.";
/** Default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` in characters (research rule 27). */
export const DEFAULT_TAGS_MAX_LENGTH = 512;
/** Decision maker written when the W3C sampled flag overrides `s:` on keep (research rule 36). */
export const DECISION_MAKER_EXTERNAL_OVERRIDE = "-0";

/**
 * tracestate vendor key of Datadog (research rule 39); defined with the tracestate scan that notes
 * where its member starts.
 */
export const TRACESTATE_DD_KEY = DATADOG_MEMBER_KEY;
/** Longest `dd=` list member, prefix included, in characters (research rule 43, Java/Go). */
export const TRACESTATE_DD_MAX_LENGTH = 256;
/** `dd=` sub-keys (research rule 39). */
export const DD_MEMBER_PRIORITY = "s";
export const DD_MEMBER_ORIGIN = "o";
export const DD_MEMBER_PARENT = "p";
/** `t.<name>` in `dd=` is the propagated tag `_dd.p.<name>` (research rule 39). */
export const DD_MEMBER_TAG_PREFIX = "t.";

/** Environment variables read by `createPropagator()` (research rules 2, 27, 54, 55). */
export const ENV_PROPAGATION_STYLE = "DD_TRACE_PROPAGATION_STYLE";
export const ENV_PROPAGATION_STYLE_INJECT = "DD_TRACE_PROPAGATION_STYLE_INJECT";
export const ENV_PROPAGATION_STYLE_EXTRACT = "DD_TRACE_PROPAGATION_STYLE_EXTRACT";
export const ENV_PROPAGATION_EXTRACT_FIRST = "DD_TRACE_PROPAGATION_EXTRACT_FIRST";
export const ENV_PROPAGATION_BEHAVIOR_EXTRACT = "DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT";
export const ENV_TAGS_MAX_LENGTH = "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH";
export const ENV_OTEL_PROPAGATORS = "OTEL_PROPAGATORS";

/**
 * True when `origin` can travel as an `x-datadog-origin` header value: non-empty printable ASCII
 * (0x20-0x7E), the character set of Datadog tag values (research rule 24). Datadog's tracers copy the
 * origin verbatim (rule 37); tracehop also refuses control and non-ASCII characters on both extract
 * and inject, so a stored carrier can never make it write CR/LF or NUL into a header.
 */
export function isValidOrigin(origin: string): boolean {
  if (origin.length === 0) return false;
  for (let i = 0; i < origin.length; i++) {
    const c = origin.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * True for a `_dd.p.*` tag other than the ones each encoder writes in its fixed place first
 * (`_dd.p.dm`, `_dd.p.tid`, `_dd.p.ts`; research rules 29 and 44): the tags written in arrival order.
 */
export function isOtherPropagatedTag(key: string): boolean {
  return (
    key.startsWith(PROPAGATED_TAG_PREFIX) &&
    key !== DECISION_MAKER_TAG &&
    key !== TID_TAG &&
    key !== TRACE_SOURCE_TAG
  );
}
