import {
  propagation,
  ROOT_CONTEXT,
  trace,
  type Baggage,
  type Context,
  type Link,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { contextWithSpan, layerOver } from "../context-values.js";
import {
  DATADOG_CONTEXT_KEY,
  storeDatadogContext,
  storedDatadogContext,
} from "../datadog/datadog-context.js";
import { B3StylePropagator } from "../B3StylePropagator.js";
import { DatadogTraceContextPropagator } from "../datadog/DatadogTraceContextPropagator.js";
import { resolveInjection, type ResolvedInjection } from "../datadog/injection-fields.js";
import {
  clearExtractionResult,
  noteExtractedContext,
  setExtractionLinks,
  setRestoredRoot,
  type StyleExtraction,
} from "../extraction-result.js";
import { baggageOf, extractBaggage, mergeBaggage, safeLegacyBaggage } from "./extraction-baggage.js";
import { terminatedContextLink, restartedTrace } from "./extraction-links.js";
import {
  extractCandidate,
  joinSameTrace,
  keepRandomFlag,
  sameTrace,
  type Candidate,
} from "./extraction-precedence.js";
import type { ExtractBehavior } from "./settings.js";
import type { StyleMember } from "./style-member.js";
import { setterForStyles } from "../stale-fields.js";
import { headerTextSetter } from "../../carrier/header-text-setter.js";
import { isContext } from "../../is-context.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "../style-failure.js";
import type { PropagationStyle } from "./style-names.js";

/**
 * Internal: true for a propagator `createPropagator` made (the default one of the carrier
 * functions included). Its styles write header text only — names of lower-case ASCII, values of
 * printable ASCII, each by its header's grammar (test/hardening `assertCleanCarrier`, over hostile
 * contexts) — so `injectCarrier` skips the check it runs on what another propagator writes.
 */
export function isCreatedPropagator(propagator: unknown): boolean {
  return propagator instanceof MultiStylePropagator;
}

/** The composite behind `createPropagator`. */
export class MultiStylePropagator implements TextMapPropagator {
  private readonly _fields: string[];
  /**
   * The `tracecontext` style when it is the only extract style: its own `extract` gives the same
   * Context as the composite (one candidate, no links, no baggage), without the candidate objects.
   */
  private readonly _soleExtract: TextMapPropagator | undefined;
  /**
   * The `b3` or `b3multi` style when it is the only extract style under `continue`: the composite's one
   * candidate is its extraction whenever it extracts (a new span, ids checked), so its `extract`, with
   * the base context's earlier extraction result cleared as for any winner, is the composite's.
   */
  private readonly _soleB3: B3StylePropagator | undefined;
  /**
   * Two or more inject styles that read the Datadog fields: they share one {@link resolveInjection} per
   * inject.
   */
  private readonly _shareResolution: boolean;
  /** The only inject style, called directly (a W3C-only or Datadog-only service). */
  private readonly _soleInject: StyleMember | undefined;
  /** The `baggage` extract style, if any (the composite reads it apart from the trace styles). */
  private readonly _baggageStyle: TextMapPropagator | undefined;
  /**
   * Whether the `datadog` style is extracted: its `ot-baggage-*` entries then join a `tracecontext`
   * winner's baggage too, as dd-trace-js reads them for a `datadog` or `tracecontext` winner
   * (`text_map.js`, `#extractLegacyBaggageItems`).
   */
  private readonly _readsLegacyBaggage: boolean;

  /** The fields of the inject styles, in lower case (those a style removes before it writes). */
  private readonly _injectFields: ReadonlySet<string>;
  /** Whether the `datadog` style is injected: it removes stale `ot-baggage-*` fields too. */
  private readonly _injectsDatadog: boolean;

  /**
   * Internal: the names of the extract styles, in order, for the warnings of a restore that found no
   * context (`warnIfCarrierRejected`, src/context/carrier-rejected.ts).
   */
  get _extractStyles(): readonly PropagationStyle[] {
    return (this._extractStyleNames ??= this._extract.map((member) => member.name));
  }

  /**
   * Internal: the `x-datadog-tags` limit of the `datadog` extract style (0: tag propagation off), or
   * `undefined` without one, for `warnIfTraceIdTruncated` (src/context/carrier-rejected.ts).
   */
  get _datadogTagsMaxLength(): number | undefined {
    const member = this._extract.find((each) => each.name === "datadog");
    const limit = (member?.propagator as { _tagsMaxLength?: unknown } | undefined)?._tagsMaxLength;
    return typeof limit === "number" ? limit : undefined;
  }

  /** {@link _extractStyles}, built on first use. */
  private _extractStyleNames: readonly PropagationStyle[] | undefined;

  /** The same styles under `continue`, built on first use (`warnIfStoredCarrierCut`). */
  private _continuing: MultiStylePropagator | undefined;

  constructor(
    private readonly _inject: readonly StyleMember[],
    private readonly _extract: readonly StyleMember[],
    private readonly _extractFirst: boolean,
    readonly _behavior: ExtractBehavior,
    /** `_behavior` comes from `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`, not from the option. */
    readonly _behaviorFromEnvironment: boolean,
    /**
     * Where the extract order comes from, for the warning of a carrier whose style it lacks
     * (`warnIfCarrierRejected`): `"styles"`, the `styles` given to `createPropagator`; the name of the
     * environment variable read; `undefined`, tracehop's default order.
     */
    readonly _extractOrderSource?: string | undefined,
  ) {
    const fields = new Set<string>();
    for (const member of [..._inject, ..._extract])
      for (const field of member.propagator.fields()) fields.add(field);
    this._fields = [...fields];
    this._injectFields = new Set(_inject.flatMap((member) => member.propagator.fields()));
    this._injectsDatadog = _inject.some((member) => member.name === "datadog");
    this._shareResolution = _inject.filter((member) => member.injector !== undefined).length > 1;
    this._soleInject = _inject.length === 1 ? _inject[0] : undefined;
    const sole = _extract.length === 1 ? _extract[0]! : undefined;
    this._baggageStyle = _extract.findLast((member) => member.name === "baggage")?.propagator;
    this._readsLegacyBaggage = _extract.some((member) => member.name === "datadog");
    this._soleExtract =
      _behavior === "continue" &&
      sole?.name === "tracecontext" &&
      sole.propagator instanceof DatadogTraceContextPropagator
        ? sole.propagator
        : undefined;
    this._soleB3 =
      _behavior === "continue" && sole?.propagator instanceof B3StylePropagator ? sole.propagator : undefined;
  }

  /**
   * Writes `context` with each inject style, in order (a style that throws is said with `diag.warn`,
   * `warnInjectFailed`, and skipped). Into a plain object written through `@opentelemetry/api`'s `defaultTextMapSetter`, each
   * style first removes its own stale fields (any case) when it writes a context (docs/conformance.md,
   * "Inject into a carrier that holds another context"); the composite looks once whether the carrier
   * holds any ({@link setterForStyles}), so that a fresh carrier is looked at once, not by each style.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) writes nothing and is said once
   * as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  inject(context: Context, carrier: unknown, given: TextMapSetter): void {
    if (!isContext(context)) {
      notAContext("createPropagator", "inject", context);
      return;
    }
    // A setter that checks what any propagator writes (tracehop's message header setters) has a variant
    // that does not look again at the characters of the header text these styles write.
    const setter = setterForStyles(
      carrier,
      headerTextSetter(given),
      this._injectFields,
      this._injectsDatadog,
    );
    const sole = this._soleInject;
    // No try here: each style class catches what its inject throws and says it as `<style> inject failed`
    // itself. The loop below catches for the styles it hands a shared resolution (`injectResolved`).
    if (sole !== undefined) return sole.propagator.inject(context, carrier, setter);
    const members = this._inject;
    // The styles that read the Datadog fields share one resolution of the context (span, validity,
    // suppression, Datadog fields): `undefined` until the first of them needs it, `null` when they
    // write nothing (no span context, invalid ids, suppressed tracing: the B3 styles write nothing then
    // either).
    let resolved: ResolvedInjection | null | undefined;
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      try {
        const injector = this._shareResolution ? member.injector : undefined;
        if (injector === undefined) {
          member.propagator.inject(context, carrier, setter);
        } else {
          if (resolved === undefined) resolved = resolveInjection(context) ?? null;
          if (resolved !== null) injector.injectResolved(resolved, carrier, setter);
        }
      } catch (err) {
        // Decides: injectResolved (the shared resolution's entry) has no catch of its own, unlike inject.
        warnInjectFailed(member.name, err);
      }
    }
  }

  /**
   * `context` with what the extract styles find in `carrier` (see `createPropagator`). Never throws: a
   * `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md); one whose methods
   * fail when the result is built (an object with `getValue` alone) yields `context`, said with
   * `diag.warn` as a style's failure: `tracehop: createPropagator extract failed`.
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext("createPropagator", "extract", context);
    try {
      return this._extractContext(context, carrier, getter);
    } catch (err) {
      warnExtractFailed("createPropagator", err);
      return context;
    }
  }

  /** {@link MultiStylePropagator.extract} of a Context. */
  private _extractContext(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    // No try of its own: the tracecontext class yields `context` for what its extract throws, said as
    // `tracecontext extract failed` (and extract's own catch is around this call).
    const sole = this._soleExtract;
    if (sole !== undefined) return sole.extract(context, carrier, getter);
    if (this._behavior === "ignore") return context;
    // What an earlier extraction kept on the base context (links, restored root, Datadog fields, the B3
    // debug flag and Defer mark) does not describe this one: a style that builds a Context extracts onto
    // `base`, without it, and a winner's context is built from it. ROOT_CONTEXT, where extraction usually
    // starts, holds none. When nothing is found, `context` itself is returned: its values belong to its
    // span. tracehop's own styles read the context only for its baggage (`extractParts`), which is kept:
    // `base` is made once one of the others extracts, or a winner is found, not for a carrier of nothing.
    const soleB3 = this._soleB3;
    if (soleB3 !== undefined) {
      const base = clearExtractionResult(context);
      // The style never throws, and gives `base` itself when it extracts nothing (see _soleB3).
      const extracted = soleB3.extract(base, carrier, getter);
      return extracted === base ? context : extracted;
    }
    let base: Context | undefined;
    // ROOT_CONTEXT holds no span: no lookup there (see baggageOf).
    const baseSpan = context === ROOT_CONTEXT ? undefined : trace.getSpanContext(context);
    // Read first: the datadog style's ot-baggage-* entries join it and are limited with it.
    const w3cBaggage = this._extractW3CBaggage(context, carrier, getter);
    let winner: Candidate | undefined;
    let links: Link[] | undefined;
    for (const member of this._extract) {
      const name = member.name;
      if (name === "baggage") continue;
      if (winner !== undefined && this._extractFirst) {
        // DD_TRACE_PROPAGATION_EXTRACT_FIRST stops at the first valid style (system-tests
        // test_tracestate_w3c_p_phase_3_extract_first): nothing more is read, except the W3C random flag
        // that Trace Context Level 2 makes a MUST.
        if (name === "tracecontext" && winner.name !== "tracecontext")
          winner = keepRandomFlag(
            winner,
            extractCandidate(
              member,
              member.parts !== undefined ? context : (base ??= clearExtractionResult(context)),
              carrier,
              getter,
              baseSpan,
              true,
              w3cBaggage,
            ),
          );
        continue;
      }
      const candidate = extractCandidate(
        member,
        member.parts !== undefined ? context : (base ??= clearExtractionResult(context)),
        carrier,
        getter,
        baseSpan,
        winner !== undefined,
        w3cBaggage,
      );
      if (candidate === undefined) continue;
      if (winner === undefined) {
        winner = candidate;
        continue;
      }
      // Compared once: two equal ids are distinct strings, and each comparison reads them whole.
      const exactTraceId = winner.traceId === candidate.traceId;
      if (exactTraceId || sameTrace(winner.traceId, candidate.traceId)) {
        winner = joinSameTrace(winner, candidate, exactTraceId);
        continue;
      }
      const link = terminatedContextLink(candidate);
      if (link !== undefined) (links ??= []).push(link);
    }
    // A traceparent winner: the datadog style's ot-baggage-* entries are read all the same (dd-trace-js),
    // for every extract behavior that keeps baggage.
    if (
      winner?.parts !== undefined &&
      winner.name === "tracecontext" &&
      winner.parts.baggage === undefined &&
      this._readsLegacyBaggage
    )
      winner.parts.baggage = safeLegacyBaggage(context, carrier, getter, w3cBaggage);
    if (this._behavior === "restart" && winner !== undefined)
      return restartedTrace(base ?? clearExtractionResult(context), winner, w3cBaggage);
    if (winner?.parts !== undefined)
      return contextFromParts(base ?? clearExtractionResult(context), winner.parts, links, w3cBaggage);
    // Set onto a layer over the base (layerOver): a B3 winner's context is one already.
    let result = winner?.context ?? context;
    if (links !== undefined)
      result = setExtractionLinks(layerOver(result), links, trace.getSpanContext(result));
    if (w3cBaggage !== undefined) {
      // A carrier without baggage gives the base's own (extractBaggage): nothing to set, `context` stays.
      const current = propagation.getBaggage(result);
      const merged = mergeBaggage(current, w3cBaggage);
      if (merged !== current) result = propagation.setBaggage(layerOver(result), merged);
    }
    return result;
  }

  /** The baggage of the `baggage` style (see `extractBaggage`); none without one, or when it throws. */
  private _extractW3CBaggage(context: Context, carrier: unknown, getter: TextMapGetter): Baggage | undefined {
    const baggageStyle = this._baggageStyle;
    if (baggageStyle === undefined) return undefined;
    try {
      return extractBaggage(baggageStyle, context, carrier, getter);
    } catch (err) {
      warnExtractFailed("baggage", err);
      return undefined;
    }
  }

  fields(): string[] {
    return [...this._fields];
  }

  /** What `extract` gives under `continue` (the same styles and extract-first). */
  extractContinuing(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    this._continuing ??= new MultiStylePropagator(
      this._inject,
      this._extract,
      this._extractFirst,
      "continue",
      false,
      this._extractOrderSource,
    );
    return this._continuing.extract(context, carrier, getter);
  }
}

/**
 * The Context of an extraction whose winner is one of tracehop's own styles (`parts`): its span context
 * or restored root, Datadog fields, the final baggage (`w3cBaggage` over the winner's or the base's) and
 * the conflict `links`, onto `context` (the base context without an earlier extraction's values:
 * `clearExtractionResult`). The usual result (a span context, no links) is one Context built in one
 * step ({@link contextWithSpan}); the others (a restored root, links) set their values one at a time onto
 * a layer over `context` ({@link layerOver}), which is never copied.
 */
function contextFromParts(
  context: Context,
  parts: StyleExtraction,
  links: Link[] | undefined,
  w3cBaggage: Baggage | undefined,
): Context {
  let baggage = parts.baggage;
  if (w3cBaggage !== undefined) baggage = mergeBaggage(baggage ?? baggageOf(context), w3cBaggage);
  // One Context for the usual result. clearRoot has nothing to clear: `context` holds no restored root
  // (none on ROOT_CONTEXT; clearExtractionResult removed an earlier extraction's).
  if (parts.spanContext !== undefined && links === undefined) {
    const stored = storedDatadogContext(
      parts.fields,
      parts.traceId,
      parts.traceIdDecimal,
      parts.derivedFromW3C === true,
    );
    return contextWithSpan(context, baggage, parts.spanContext, DATADOG_CONTEXT_KEY, stored);
  }
  // Each value set below copies a layer over `context`, not `context`'s values (layerOver).
  let result = layerOver(context);
  if (baggage !== undefined) result = propagation.setBaggage(result, baggage);
  if (parts.spanContext === undefined) {
    result = setRestoredRoot(trace.deleteSpan(result), parts.root);
  } else {
    result = trace.setSpanContext(result, parts.spanContext);
    if (parts.clearRoot) result = setRestoredRoot(result, undefined);
  }
  result = storeDatadogContext(
    result,
    parts.fields,
    parts.traceId,
    parts.traceIdDecimal,
    parts.derivedFromW3C === true,
  );
  if (links !== undefined) result = setExtractionLinks(result, links, parts.spanContext);
  return parts.root === undefined ? result : noteExtractedContext(result);
}
