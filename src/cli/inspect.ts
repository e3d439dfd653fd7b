// The decoded view of one stored carrier: each style's verdict, the context the extract order
// restores, and the diagnostics (what the library drops for its limits, and why).
import {
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from "@opentelemetry/api";
import {
  normalizeCarrier,
  normalizedCarrierGetter,
  type NormalizedCarrier,
} from "../carrier/normalize-carrier.js";
import {
  createPropagator,
  sameTrace,
  spellStyles,
  styleSetting,
  type ExtractBehavior,
  type PropagationStyle,
} from "../propagation/create-propagator.js";
import {
  ENV_OTEL_PROPAGATORS,
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  ENV_PROPAGATION_EXTRACT_FIRST,
  ENV_PROPAGATION_STYLE,
  ENV_PROPAGATION_STYLE_EXTRACT,
  TRACESTATE_DD_KEY,
  X_DATADOG_TAGS,
} from "../propagation/datadog/constants.js";
import { otherTraceFormat } from "../context/carrier-rejected.js";
import { getDatadogContext } from "../propagation/datadog/datadog-context.js";
import { hex16ToDecimal, ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { decodeTagsHeader } from "../propagation/datadog/tags.js";
import {
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
  LINK_CONTEXT_HEADERS_ATTRIBUTE,
  LINK_REASON_ATTRIBUTE,
} from "../propagation/extraction-result.js";
import { memberOfDiscarded } from "../propagation/w3c/tracestate.js";
import { DEFAULT_ENVIRONMENT, type InspectEnvironment } from "./environment.js";
import {
  baggageDropped,
  ddTidIgnored,
  describeTagsError,
  ignoredDatadogValues,
  legacyBaggageDropped,
  legacyBaggageNotRead,
  originDropped,
  readerDrops,
  tracestateDiscarded,
  zeroTidDropped,
} from "./limits.js";
import { ALL_STYLES, asStored, styleResult, type StyleVerdict } from "./styles.js";

/** Each style's extraction of the carrier alone ({@link styleResult}), by style. */
type StyleContexts = Record<PropagationStyle, Context>;

/** Names of the Datadog priorities (dd-trace-java `PrioritySampling`). */
const PRIORITY_NAMES: Record<string, string> = {
  "-1": "user reject",
  "0": "auto reject",
  "1": "auto keep",
  "2": "user keep",
};

/**
 * A span link the extraction records (`getExtractionLinks`), as `--json` gives it: to the context of
 * a style in the extract order that names another trace than the winner's.
 */
interface InspectLink {
  /** The linked trace id: 32 lower-case hex digits (128 bits). */
  traceId: string;
  /** The linked span id: 16 lower-case hex digits (all zeros for a Datadog context of parent id 0). */
  spanId: string;
  /** The style that gave the linked context (the link's `context_headers` attribute): `datadog`, ... */
  style: string;
  /**
   * Why the link exists (the link's `reason` attribute, as dd-trace-js writes it): `terminated_context`,
   * a style that names another trace (Datadog system-tests `Test_Span_Links_From_Conflicting_Contexts`).
   * The text report gives it after the style.
   */
  reason: string;
}

/** The context the extract order restores from a carrier, as a service there would continue it. */
interface InspectContext {
  /** Style that won (first valid in the extract order). */
  style: PropagationStyle;
  /**
   * True when the context has no parent span (Datadog parent id 0: Synthetics): a restored root, whose
   * trace id a root span keeps; `parentId` and `datadogParentId` are then absent.
   */
  root: boolean;
  /** The trace id: 32 lower-case hex digits (128 bits; the upper 64 all zero for a 64-bit Datadog id). */
  traceId: string;
  /** The low 64 bits of `traceId` as an unsigned decimal, as `x-datadog-trace-id` carries them. */
  datadogTraceId: string;
  /** The upper 64 bits of `traceId`, 16 lower-case hex digits (`_dd.p.tid`); absent when all zero. */
  datadogTid?: string;
  /** The parent span id: 16 lower-case hex digits; absent for a `root`. */
  parentId?: string;
  /** `parentId` as an unsigned decimal (`x-datadog-parent-id`); absent for a `root`. */
  datadogParentId?: string;
  /**
   * The sampled bit of the trace flags restored (a traceparent's flag; `x-datadog-*` headers carry
   * none: set unless the priority is a drop, 0 or less).
   */
  sampled: boolean;
  /** The Datadog sampling priority, an integer (keep when > 0); absent when the carrier gives none. */
  samplingPriority?: number;
  /**
   * The name of `samplingPriority` (dd-trace-java `PrioritySampling`): `user reject` (-1), `auto reject`
   * (0), `auto keep` (1), `user keep` (2), else `custom`; absent with it.
   */
  samplingPriorityName?: string;
  /** The Datadog origin (`x-datadog-origin`, tracestate `dd=` `o:`), e.g. `synthetics`; absent when none. */
  origin?: string;
  /** The `_dd.p.*` propagation tags restored, full key (`_dd.p.dm`) to value, in header order. */
  tags: Record<string, string>;
  /** The tracestate list-members restored (`key=value` each, in order); `[]` when none. */
  tracestate: string[];
  /**
   * `_dd.parent_id`: the last Datadog span before the W3C parent (tracestate `dd=` `p:`), 16 hex digits
   * as sent (copied unvalidated); all zeros when the Datadog headers named no parent. Absent when the
   * extraction records none.
   */
  lastParentId?: string;
  /** The span links the extraction records (conflicting styles); `[]` when none. */
  links: InspectLink[];
}

/** The decoded view of one carrier; also the `--json` output (docs/migration.md lists its fields). */
export interface InspectReport {
  /** A valid context was restored (`context` is set); the exit code is 0 when every report has it. */
  valid: boolean;
  /**
   * Set when the row holds no carrier at all (a NULL column, JSON null, a number, a row whose carrier
   * field is null, ...: `parseInspectInput`): why.
   */
  noCarrier?: string;
  /**
   * Set when the carrier was read from a field of the row that `withCarrier(row)` does not read (found
   * by its content, or named by `--field`): what `withCarrier` must be handed to restore it
   * (`row.carrier`, `row.meta.trace`). A service calling `withCarrier(row)` on such a row restores
   * nothing, whatever `valid` says: a check that every row restores as stored wants `valid` and no
   * `carrierFrom`.
   */
  carrierFrom?: string;
  /**
   * Set when the input was no carrier but one header's value, read as a carrier of that header alone
   * (a bare traceparent line, `parseInspectInput`): what it was read as. The stored carrier's other headers are not
   * in the report.
   */
  readAs?: string;
  /**
   * Set when the input was one JSON array read as rows (`--array rows`, the default: `json_agg`,
   * `sqlite3 -json`): this row's place in it, from 1. `--array value` reads such an array as one column's
   * value instead, which holds no carrier (a Json column holding an array restores nothing).
   */
  arrayElement?: number;
  /** Extract order used for `context`. */
  extractOrder: PropagationStyle[];
  /** Where the extract order came from: `default`, `--styles`, or the environment variable's name. */
  extractOrderSource: string;
  /**
   * `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` in effect (`continue` when unset or not a value the library
   * uses); `context` is the row as stored whatever it is, with a diagnostic when it is not `continue`.
   */
  extractBehavior: ExtractBehavior;
  /** `DD_TRACE_PROPAGATION_EXTRACT_FIRST` in effect: `context` is the first valid style's alone. */
  extractFirst: boolean;
  /**
   * The `x-datadog-tags` length limit in effect, in characters (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`,
   * default 512; 0: tag propagation off): a longer header is dropped whole.
   */
  tagsMaxLength: number;
  /** Where `tagsMaxLength` came from: `default`, or `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`. */
  tagsMaxLengthSource: string;
  /** The restored context, when `valid`. */
  context?: InspectContext;
  /** The keys of the baggage restored (W3C `baggage` and `ot-baggage-*` entries), in order. */
  baggageKeys: string[];
  /** Each style of {@link ALL_STYLES} on its own, by name: valid, absent, or why it rejected the carrier. */
  styles: Record<string, StyleVerdict>;
  /**
   * What the text report lists under "diagnostics:", one sentence each: the environment's settings,
   * what reading the input noted, and each value the library drops or ignores, with the reason.
   */
  diagnostics: string[];
}

/**
 * The end of a diagnostic about a header that `style` reads and drops in part or whole: `ifUsed` when
 * the style is in the report's extract order and gives a valid context on its own; else why the drop
 * changes nothing for a service (the style is not in the order: `notRead` says what is not read; or the
 * style rejects the carrier anyway).
 */
function dropConsequence(
  style: PropagationStyle,
  report: InspectReport,
  ifUsed: string,
  notRead: string,
): string {
  if (!report.extractOrder.includes(style))
    return `${style} is not in the extract order (${report.extractOrder.join(", ") || "none"}), so ${notRead}`;
  if (report.styles[style].status !== "valid")
    return `the ${style} style rejects this carrier anyway (see styles)`;
  return ifUsed;
}

/**
 * The styles of `report.styles` that are valid on their own but not in its extract order; `baggage`,
 * which restores no trace alone, is not counted.
 */
function validOutsideOrder(report: InspectReport): PropagationStyle[] {
  const order = report.extractOrder;
  return ALL_STYLES.filter(
    (style) => style !== "baggage" && !order.includes(style) && report.styles[style].status === "valid",
  );
}

/**
 * "`styles` are valid (see styles) but not in the extract order (ORDER, from SOURCE)": the start of a
 * diagnostic about styles left out of the report's extract order.
 */
function leftOut(report: InspectReport, styles: readonly PropagationStyle[]): string {
  const order = report.extractOrder;
  const source = report.extractOrderSource;
  const where =
    source === "default"
      ? `${order.join(", ")}: the default, as none of ${ENV_PROPAGATION_STYLE_EXTRACT}, ${ENV_PROPAGATION_STYLE}, ${ENV_OTEL_PROPAGATORS} is set`
      : `${order.length ? order.join(", ") : "none"}, from ${source}`;
  return `${styles.join(", ")} ${styles.length > 1 ? "are" : "is"} valid (see styles) but not in the extract order (${where})`;
}

/**
 * What to set for the report's extract order with `styles` added at its end (so the styles in it keep
 * their precedence), by the order's source (createPropagator's precedence): `--styles` itself; else
 * `DD_TRACE_PROPAGATION_STYLE_EXTRACT`, which is read before `DD_TRACE_PROPAGATION_STYLE` and
 * `OTEL_PROPAGATORS` and changes extraction alone (the other two also set what a service injects).
 */
function addToOrder(report: InspectReport, styles: readonly PropagationStyle[]): string {
  const source = report.extractOrderSource;
  const wanted = [...report.extractOrder, ...styles];
  if (source === "--styles") return `give --styles ${spellStyles(wanted, source)}`;
  const fix = `set ${styleSetting(ENV_PROPAGATION_STYLE_EXTRACT, wanted)}`;
  return source === ENV_PROPAGATION_STYLE || source === ENV_OTEL_PROPAGATORS
    ? `${fix} (read before ${source}, and for extraction alone; ${styleSetting(source, wanted)} instead ` +
        `also makes a service inject ${styles.length > 1 ? "them" : styles[0]})`
    : fix;
}

/**
 * The diagnostic of a carrier that gives no context in the report's extract order while a style left
 * out of it is valid on its own (`DD_TRACE_PROPAGATION_STYLE=tracecontext` and a row of `x-datadog-*`
 * headers), else `undefined`: which styles would restore it, which setting left them out, and what to
 * set ({@link addToOrder}).
 */
function outsideOrderDiagnostic(report: InspectReport): string | undefined {
  const missing = validOutsideOrder(report);
  if (missing.length === 0) return undefined;
  return `${leftOut(report, missing)}, so this order restores nothing from the row; to restore it, ${addToOrder(report, missing)}`;
}

/**
 * The diagnostic of a carrier whose extract order restores trace `traceId` while a style left out of
 * the order names another trace (`DD_TRACE_PROPAGATION_STYLE=tracecontext`, a traceparent and
 * `x-datadog-*` headers of two traces), else `undefined`: a service here follows one trace and never
 * sees the other, where a style in the order that names another trace becomes a span link
 * (`terminated_context`); with how to add it. Not given under extract-first, which makes no such link.
 * `contexts`: each style's extraction alone ({@link styleResult}).
 */
function otherTraceDiagnostic(
  report: InspectReport,
  traceId: string,
  contexts: StyleContexts,
): string | undefined {
  if (report.extractFirst) return undefined;
  const others: [PropagationStyle, string][] = [];
  for (const style of validOutsideOrder(report)) {
    const ctx = contexts[style];
    const id = validParent(ctx)?.traceId ?? getRestoredRoot(ctx)?.traceId;
    if (id !== undefined && !sameTrace(id, traceId)) others.push([style, id]);
  }
  if (others.length === 0) return undefined;
  const styles = others.map(([style]) => style);
  const ids = others.map(([style, id]) => (others.length > 1 ? `${style} ${id}` : id)).join(", ");
  return (
    `${leftOut(report, styles)} and names another trace (${ids}): this order continues ${traceId} alone, ` +
    `with no span link to the other (a style in the order that names another trace becomes a link, ` +
    `terminated_context); to link it, ${addToOrder(report, styles)}`
  );
}

/**
 * Why the `datadog` style reads none of the carrier's `ot-baggage-*` entries, for a report whose
 * extract order restores `restoredStyle`'s context (the first valid style but `baggage`; `undefined`
 * for none), or `undefined` when it reads them: `createPropagator` reads them when the `datadog` style
 * is in the order and its context or a traceparent's is the one restored (as dd-trace-js does).
 */
function legacyBaggageUnread(
  report: InspectReport,
  restoredStyle: PropagationStyle | undefined,
): string | undefined {
  const order = report.extractOrder;
  if (!order.includes("datadog"))
    return `the datadog style, which reads ot-baggage-* entries, is not in the extract order (${order.join(", ") || "none"})`;
  if (restoredStyle === undefined)
    return "this extract order restores no context, and ot-baggage-* entries are read only with one";
  if (restoredStyle === "datadog" || restoredStyle === "tracecontext") return undefined;
  return `the ${restoredStyle} context is the one restored, and ot-baggage-* entries are read only with the datadog or the tracecontext one`;
}

/**
 * The diagnostic of a `t.tid` in the `dd=` member of the tracestate that the tracecontext style keeps
 * (`ctx`: its extraction alone, {@link styleResult}), when it is not the traceparent's upper half and so
 * is ignored ({@link ddTidIgnored}), else `undefined`.
 */
function ddTidNote(report: InspectReport, ctx: Context): string | undefined {
  if (report.styles.tracecontext.status !== "valid") return undefined;
  const sc = validParent(ctx);
  const dd = sc?.traceState?.get(TRACESTATE_DD_KEY);
  if (sc === undefined || !dd) return undefined;
  return ddTidIgnored(
    dd,
    sc.traceId.slice(0, 16),
    dropConsequence(
      "tracecontext",
      report,
      "the trace id it gives is the traceparent's",
      "neither the traceparent nor the tracestate is read",
    ),
  );
}

/** The valid span context an extraction gives `ctx` (the parent of a service's span), else `undefined`. */
function validParent(ctx: Context): SpanContext | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && isSpanContextValid(sc) ? sc : undefined;
}

/** Options of {@link inspectCarrier}. */
interface InspectOptions {
  /**
   * What the environment sets (extract order, extract behavior) and what the library warned about
   * it, the first diagnostics. Default: the library's defaults ({@link DEFAULT_ENVIRONMENT}).
   */
  environment?: InspectEnvironment;
  /** What reading the input noted; the report's diagnostics continue with it. */
  diagnostics?: readonly string[];
  /** The row holds no carrier at all (why, e.g. a NULL column's line); `raw` is then `{}`. */
  noCarrier?: string;
  /** `raw` is a field of the row that `withCarrier(row)` does not read: what to hand it (`parseInspectInput`). */
  carrierFrom?: string;
  /** `raw` was read from one header's value alone: what it was read as (`parseInspectInput`). */
  readAs?: string;
  /** `raw` is element `arrayElement` (from 1) of one JSON array read as rows (`parseInspectInput`). */
  arrayElement?: number;
}

/**
 * When no style tracehop builds in finds ids in `carrier` (each is absent) but the carrier holds the
 * trace headers of a format it builds in no style for (Jaeger's `uber-trace-id`, AWS X-Ray's, OT
 * trace's): that format, and the propagator that reads it beside tracehop's styles, as the restore's
 * `TRACEHOP_CARRIER_REJECTED` warning says them; else `undefined`.
 */
function otherFormatDiagnostic(report: InspectReport, carrier: NormalizedCarrier): string | undefined {
  if (ALL_STYLES.some((style) => style !== "baggage" && report.styles[style].status !== "absent"))
    return undefined;
  const format = otherTraceFormat((name) => normalizedCarrierGetter.get(carrier, name));
  if (format === undefined) return undefined;
  return (
    `the carrier holds ${format.headers}, of the ${format.name} format, which tracehop builds in no style for: ` +
    `a service restores no context from it (TRACEHOP_CARRIER_REJECTED) and its work starts a new trace. To read it, ` +
    `give startTracing and the carrier functions the option propagator: new CompositePropagator({ propagators: ` +
    `[createPropagator(), new ${format.className}()] }) (${format.className}, ${format.packageName}); ` +
    `OTEL_PROPAGATORS=${format.name} does not add it to tracehop's propagator`
  );
}

/**
 * Decodes a stored carrier for an engineer: each style valid or why not, and the context the
 * extract order (`options.environment`, default {@link DEFAULT_ENVIRONMENT}) restores: trace id in
 * 128-bit hex and Datadog decimal (+ tid), parent id in both, sampling decision and priority, origin,
 * `_dd.p.*` tags, tracestate members, baggage keys, conflict links and `_dd.parent_id`; what the
 * carrier reader and the styles drop for their limits, with the reason, in the diagnostics. Never
 * throws on a carrier object.
 */
export function inspectCarrier(raw: Record<string, unknown>, options: InspectOptions = {}): InspectReport {
  const environment = options.environment ?? DEFAULT_ENVIRONMENT;
  const styles = environment.order.styles;
  const diagnostics = [...environment.diagnostics, ...(options.diagnostics ?? [])];
  const { noCarrier, carrierFrom, readAs, arrayElement } = options;
  const carrier = normalizeCarrier(raw);
  const report: InspectReport = {
    valid: false,
    ...(noCarrier !== undefined ? { noCarrier } : {}),
    ...(carrierFrom !== undefined ? { carrierFrom } : {}),
    ...(readAs !== undefined ? { readAs } : {}),
    ...(arrayElement !== undefined ? { arrayElement } : {}),
    extractOrder: [...styles],
    extractOrderSource: environment.order.source,
    extractBehavior: environment.extractBehavior,
    extractFirst: environment.extractFirst,
    tagsMaxLength: environment.tagsLimit.maxLength,
    tagsMaxLengthSource: environment.tagsLimit.variable ?? "default",
    baggageKeys: [],
    styles: {},
    diagnostics,
  };
  const drops = readerDrops(raw);
  for (const note of drops.notes) diagnostics.push(note);
  const read = asStored(environment.tagsLimit.maxLength, environment.extractFirst);
  const contexts = {} as StyleContexts;
  for (const style of ALL_STYLES) {
    const reading = styleResult(style, raw, carrier, drops.dropped, read);
    report.styles[style] = reading.verdict;
    contexts[style] = reading.context;
  }
  const restoredStyle = styles.find((s) => s !== "baggage" && report.styles[s].status === "valid");
  diagnostics.push(
    ...w3cDrops(report, carrier),
    ...legacyBaggageNotes(report, carrier, drops.dropped, contexts, restoredStyle),
    ...datadogDrops(report, raw, carrier, environment),
  );
  const tidNote = ddTidNote(report, contexts.tracecontext);
  if (tidNote !== undefined) diagnostics.push(tidNote);
  diagnostics.push(...settingNotes(environment));

  // An empty order ("none", or a variable that names no known style) extracts nothing.
  const ctx: Context = createPropagator(styles.length ? [...styles] : "none", read).extract(
    ROOT_CONTEXT,
    carrier,
    normalizedCarrierGetter,
  );
  report.baggageKeys = (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k]) => k);
  const context = restoredContext(ctx, restoredStyle ?? styles[0]!);
  if (context === undefined) {
    const outside = outsideOrderDiagnostic(report);
    if (outside !== undefined) diagnostics.push(outside);
    const format = otherFormatDiagnostic(report, carrier);
    if (format !== undefined) diagnostics.push(format);
    return report;
  }
  const other = otherTraceDiagnostic(report, context.traceId, contexts);
  if (other !== undefined) diagnostics.push(other);
  report.valid = true;
  report.context = context;
  return report;
}

/**
 * What the W3C styles drop of `carrier`: a `tracestate` discarded whole (when the tracecontext style
 * is valid), `baggage` members dropped (the baggage style's verdict then says so too).
 */
function w3cDrops(report: InspectReport, carrier: NormalizedCarrier): string[] {
  const notes: string[] = [];
  const tracestate = carrier.get("tracestate")?.join(",");
  const discarded =
    tracestate !== undefined && report.styles.tracecontext.status === "valid"
      ? tracestateDiscarded(tracestate)
      : undefined;
  if (discarded !== undefined) {
    // The Datadog-aware tracecontext style keeps a valid dd= member of such a header (memberOfDiscarded).
    const keptDd = memberOfDiscarded(tracestate!, TRACESTATE_DD_KEY) !== undefined;
    notes.push(
      `tracestate discarded ${keptDd ? "but for its dd= member" : "whole"}: ${discarded}; ${dropConsequence(
        "tracecontext",
        report,
        keptDd
          ? "the traceparent is still used, and so is the dd= member (sampling priority, origin, t.* tags), as dd-trace-js keeps it"
          : "the traceparent is still used",
        "neither the traceparent nor the tracestate is read",
      )}`,
    );
  }
  const baggage = carrier.get("baggage")?.join(",");
  const baggageNote = baggage === undefined ? undefined : baggageDropped(baggage);
  if (baggageNote !== undefined) {
    notes.push(baggageNote);
    report.styles.baggage.detail += " (members dropped: see the diagnostics)";
  }
  return notes;
}

/**
 * What becomes of the carrier's `ot-baggage-*` entries: those the `datadog` style drops for W3C
 * Baggage's limits when it reads them, else those it does not read at all and why
 * ({@link legacyBaggageUnread}). `contexts`: each style's extraction alone; `restoredStyle`: the style
 * whose context the extract order restores.
 */
function legacyBaggageNotes(
  report: InspectReport,
  carrier: NormalizedCarrier,
  dropped: ReadonlySet<string>,
  contexts: StyleContexts,
  restoredStyle: PropagationStyle | undefined,
): string[] {
  const unread = legacyBaggageUnread(report, restoredStyle);
  // The W3C entries the ot-baggage-* entries join: the baggage style's own extraction, when in the order.
  const w3cBaggage = report.extractOrder.includes("baggage")
    ? propagation.getBaggage(contexts.baggage)
    : undefined;
  const note =
    unread === undefined
      ? legacyBaggageDropped(carrier, w3cBaggage)
      : legacyBaggageNotRead(carrier, dropped, unread);
  return note === undefined ? [] : [note];
}

/**
 * What the `datadog` style drops or ignores of `raw` (`carrier`, normalized): values of a
 * single-valued field beside the one read, an invalid origin, an `x-datadog-tags` header dropped in
 * part or whole for the environment's limit, an all-zero `_dd.p.tid`; each with what it means for a
 * service ({@link dropConsequence}).
 */
function datadogDrops(
  report: InspectReport,
  raw: Record<string, unknown>,
  carrier: NormalizedCarrier,
  environment: InspectEnvironment,
): string[] {
  const datadogDrop = (ifUsed: string): string =>
    dropConsequence("datadog", report, ifUsed, "no x-datadog-* header is read");
  const notes = ignoredDatadogValues(raw, carrier, datadogDrop);
  const originNote = originDropped(carrier, datadogDrop("the context takes no origin from it"));
  if (originNote !== undefined) notes.push(originNote);
  const tagsHeader = carrier.get(X_DATADOG_TAGS)?.join(",");
  if (tagsHeader === undefined) return notes;
  const decodedTags = decodeTagsHeader(tagsHeader, environment.tagsLimit.maxLength);
  if (decodedTags.error !== undefined)
    notes.push(
      describeTagsError(
        decodedTags.error,
        tagsHeader,
        environment.tagsLimit,
        datadogDrop("the context itself stays valid"),
      ),
    );
  const zeroTid = zeroTidDropped(
    tagsHeader,
    environment.tagsLimit.maxLength,
    datadogDrop("the context itself stays valid, its trace id with no upper half from this header"),
  );
  if (zeroTid !== undefined) notes.push(zeroTid);
  return notes;
}

/** What the environment's extract behavior and extract-first settings mean for the report. */
function settingNotes(environment: InspectEnvironment): string[] {
  const notes: string[] = [];
  const behavior = environment.extractBehavior;
  if (behavior !== "continue")
    notes.push(
      `${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${behavior} here: shown is what the row holds; a service with this setting ${
        behavior === "restart" ? "starts a new trace linked to it" : "ignores it"
      } (docs/migration.md, "Configuration")`,
    );
  if (environment.extractFirst)
    notes.push(
      `${ENV_PROPAGATION_EXTRACT_FIRST} is on here: shown is the first valid style's context alone, as a service with ` +
        `this setting extracts it (no tracestate or parent taken from a later traceparent, no conflict links; docs/migration.md, "Configuration")`,
    );
  return notes;
}

/**
 * The context `ctx` (the extract order's extraction) restores, as the report gives it, `winner` being
 * the style that gave it; `undefined` when it restores none (no valid parent, no restored root).
 */
function restoredContext(ctx: Context, winner: PropagationStyle): InspectContext | undefined {
  const parent = validParent(ctx);
  const root = getRestoredRoot(ctx);
  const traceId = parent?.traceId ?? root?.traceId;
  if (traceId === undefined) return undefined;
  const dd = getDatadogContext(ctx);
  const high = traceId.slice(0, 16);
  const flags = parent?.traceFlags ?? root?.traceFlags ?? TraceFlags.NONE;
  return {
    style: winner,
    root: parent === undefined,
    traceId,
    datadogTraceId: hex16ToDecimal(traceId.slice(16)),
    ...(high !== ZERO_HEX16 ? { datadogTid: high } : {}),
    ...(parent !== undefined
      ? { parentId: parent.spanId, datadogParentId: hex16ToDecimal(parent.spanId) }
      : {}),
    sampled: (flags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    ...(dd?.samplingPriority !== undefined
      ? {
          samplingPriority: dd.samplingPriority,
          samplingPriorityName: PRIORITY_NAMES[String(dd.samplingPriority)] ?? "custom",
        }
      : {}),
    ...(dd?.origin ? { origin: dd.origin } : {}),
    tags: { ...(dd?.propagationTags ?? {}) },
    tracestate: (trace.getSpanContext(ctx)?.traceState?.serialize() ?? "").split(",").filter(Boolean),
    ...(getExtractionAttributes(ctx)["_dd.parent_id"] !== undefined
      ? { lastParentId: dd?.lastParentId }
      : {}),
    links: getExtractionLinks(ctx).map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      style: String(l.attributes?.[LINK_CONTEXT_HEADERS_ATTRIBUTE]),
      reason: String(l.attributes?.[LINK_REASON_ATTRIBUTE]),
    })),
  };
}
