/** Datadog propagation header names (research rule 1; dd-trace-js `carrier.js`). */
export const X_DATADOG_TRACE_ID = "x-datadog-trace-id";
export const X_DATADOG_PARENT_ID = "x-datadog-parent-id";
export const X_DATADOG_SAMPLING_PRIORITY = "x-datadog-sampling-priority";
export const X_DATADOG_ORIGIN = "x-datadog-origin";
export const X_DATADOG_TAGS = "x-datadog-tags";

/** Upper 64 bits of a 128-bit trace id, as 16 lowercase hex (research rule 16). */
export const TID_TAG = "_dd.p.tid";
/** Sampling decision maker (research rule 35). */
export const DECISION_MAKER_TAG = "_dd.p.dm";
/** Prefix of propagated tags (research rule 25). */
export const PROPAGATED_TAG_PREFIX = "_dd.p.";
/** Default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` in characters (research rule 27). */
export const DEFAULT_TAGS_MAX_LENGTH = 512;
