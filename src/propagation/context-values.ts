import {
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Baggage,
  type Context,
  type SpanContext,
} from "@opentelemetry/api";

/**
 * Building the Context an extraction returns in one step instead of one `setValue` per value.
 *
 * @opentelemetry/api's `BaseContext.setValue` copies the whole Map of its parent and creates three
 * closures for every value set; an extraction that sets the baggage, the span and the Datadog fields
 * pays that three times (the top self-time entry of the extract profiles, ≈ 30%), and one more for each
 * value of an earlier extraction it removes. From `ROOT_CONTEXT` (where extraction starts:
 * `contextFromCarrier`, an HTTP server request) the result is an {@link ExtractedContext} holding its few
 * values in fields (copied into a {@link ValuesContext}, one Map, on the first `setValue`). From any other
 * context (a consumer extracting while a span is active) it is an {@link ExtractedOverContext}: the same
 * fields over the base context, which is read, never copied (a layer: a key the layer does not hold is
 * looked up in the base); its `setValue` / `deleteValue` give a {@link LayeredContext} (the layer's values in
 * one Map over the same base). A layer is never put over another layer: one made over a layer takes that
 * layer's values and its base, so a read goes through at most one layer, whatever the number of
 * extractions and `setValue` calls between the base and it (BENCHMARKS.md "Forty-seventh pass"). The
 * extractions that set their values one `setValue` at a time (span links, a restored root, `restart`, the
 * standalone Datadog and baggage styles, @opentelemetry/propagator-b3) set them onto an empty layer over the
 * base ({@link layerOver}): each copies the layer's few values, never the base's.
 * All answer `getValue` / `setValue` / `deleteValue` exactly as `BaseContext` does: immutable, and a key
 * deleted or set to `undefined` reads as `undefined` even when the base holds a value for it.
 */

/**
 * The key @opentelemetry/api stores under when `write` sets one value on a context: read once at
 * load time from a probe Context, through the public API only (`trace.setSpan`,
 * `propagation.setBaggage`), since the api does not export its keys.
 */
function keyOf(write: (probe: Context) => unknown): symbol | undefined {
  let key: symbol | undefined;
  const probe: Context = {
    getValue: () => undefined,
    setValue(k: symbol) {
      key = k;
      return probe;
    },
    deleteValue: () => probe,
  };
  try {
    write(probe);
  } catch {
    return undefined;
  }
  return key;
}

/** The api's key of the active span (`trace.setSpan`). */
const SPAN_KEY = keyOf((probe) => trace.setSpan(probe, trace.wrapSpanContext(INVALID_SPAN_CONTEXT)));
/** The api's key of the baggage (`propagation.setBaggage`). */
const BAGGAGE_KEY = keyOf((probe) => propagation.setBaggage(probe, propagation.createBaggage()));

/**
 * A Context holding its values in one Map, with the semantics of @opentelemetry/api's `BaseContext`
 * (immutable; `setValue` / `deleteValue` return a copy) and its methods on the prototype.
 */
class ValuesContext implements Context {
  constructor(private readonly _values: Map<symbol, unknown>) {}

  getValue(key: symbol): unknown {
    return this._values.get(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const values = new Map(this._values);
    values.set(key, value);
    return new ValuesContext(values);
  }

  deleteValue(key: symbol): Context {
    const values = new Map(this._values);
    values.delete(key);
    return new ValuesContext(values);
  }

  /** Sets `key` in place: only for a context no one else holds yet ({@link withOwnValue}). */
  addOwnValue(key: symbol, value: unknown): void {
    this._values.set(key, value);
  }
}

/**
 * Internal: `context` with `key` = `value`, for a Context the caller has just made itself and handed to
 * no one yet (the context a restored span runs in, as `trace.setSpan` returned it): one of this module's
 * gets the value in place, without copying its values again (`setValue` copies them all); any other
 * Context through its `setValue`.
 */
export function withOwnValue(context: Context, key: symbol, value: unknown): Context {
  if (context instanceof ValuesContext || context instanceof LayeredContext) {
    context.addOwnValue(key, value);
    return context;
  }
  return context.setValue(key, value);
}

/**
 * What a layer's Map holds for a key it deleted or set to `undefined`: the key then reads as `undefined`
 * whatever the base holds (`BaseContext` gives `undefined` for both; no Context method tells them apart).
 */
const HIDDEN: unique symbol = Symbol("tracehop.hidden-context-value");

/** A value as a layer's Map holds it: `undefined` as {@link HIDDEN}. */
const layerValue = (value: unknown): unknown => (value === undefined ? HIDDEN : value);

/**
 * A Context that holds some values itself (`_own`, {@link HIDDEN} for a key it deleted or set to
 * `undefined`) over a base Context (`_parent`) that holds the rest: `getValue` reads `_own`, then the base
 * for a key `_own` does not hold. `_parent` is never a layer ({@link LayeredContext},
 * {@link ExtractedOverContext}): `setValue` / `deleteValue` copy `_own` alone and keep `_parent`. Same
 * semantics as `BaseContext`; the base is read, never copied or changed.
 */
class LayeredContext implements Context {
  constructor(
    readonly _parent: Context,
    readonly _own: Map<symbol, unknown>,
  ) {}

  getValue(key: symbol): unknown {
    const value = this._own.get(key);
    if (value === undefined) return this._parent.getValue(key);
    return value === HIDDEN ? undefined : value;
  }

  setValue(key: symbol, value: unknown): Context {
    const own = new Map(this._own);
    own.set(key, layerValue(value));
    return new LayeredContext(this._parent, own);
  }

  deleteValue(key: symbol): Context {
    const own = new Map(this._own);
    own.set(key, HIDDEN);
    return new LayeredContext(this._parent, own);
  }

  /** Sets `key` in place: only for a context no one else holds yet ({@link withOwnValue}). */
  addOwnValue(key: symbol, value: unknown): void {
    this._own.set(key, layerValue(value));
  }
}

/**
 * The Context an extraction onto `ROOT_CONTEXT` returns: the remote span, and optionally the baggage
 * and one more value (the Datadog fields), in fields instead of a Map, so that the readers of every
 * inject (`trace.getSpanContext`, the suppression check, the Datadog fields) are a comparison each.
 * Same semantics as `BaseContext`; `setValue` / `deleteValue` return a {@link ValuesContext}.
 */
class ExtractedContext implements Context {
  constructor(
    private readonly _span: unknown,
    private readonly _baggage: unknown,
    private readonly _key: symbol | undefined,
    private readonly _value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this._span;
    if (key === this._key) return this._value;
    if (key === BAGGAGE_KEY) return this._baggage;
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    const values = this._entries();
    values.set(key, value);
    return new ValuesContext(values);
  }

  deleteValue(key: symbol): Context {
    const values = this._entries();
    values.delete(key);
    return new ValuesContext(values);
  }

  /** The values as a new Map, in the order `contextWithSpan` sets them. */
  private _entries(): Map<symbol, unknown> {
    const values = new Map<symbol, unknown>();
    if (this._baggage !== undefined) values.set(BAGGAGE_KEY!, this._baggage);
    values.set(SPAN_KEY!, this._span);
    if (this._key !== undefined) values.set(this._key, this._value);
    return values;
  }
}

/**
 * The Context an extraction onto a context other than `ROOT_CONTEXT` returns: the remote span, optionally
 * the baggage and one more value (the Datadog fields) in fields, as {@link ExtractedContext} holds them,
 * over `_parent` (never a layer) and, when the extraction was made onto a layer, that layer's values
 * (`_own`, read before `_parent`; shared with that layer, never changed). Without a baggage of its own
 * (`_baggage` undefined) the baggage is read from `_own` / `_parent`. Same semantics as `BaseContext`;
 * `setValue` / `deleteValue` return a {@link LayeredContext} over the same `_parent`.
 */
class ExtractedOverContext implements Context {
  constructor(
    readonly _parent: Context,
    readonly _own: Map<symbol, unknown> | undefined,
    private readonly _span: unknown,
    private readonly _baggage: unknown,
    readonly _key: symbol | undefined,
    private readonly _value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this._span;
    if (key === this._key) return this._value;
    if (key === BAGGAGE_KEY && this._baggage !== undefined) return this._baggage;
    const own = this._own;
    if (own !== undefined) {
      const value = own.get(key);
      if (value !== undefined) return value === HIDDEN ? undefined : value;
    }
    return this._parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const own = this._layer();
    own.set(key, layerValue(value));
    return new LayeredContext(this._parent, own);
  }

  deleteValue(key: symbol): Context {
    const own = this._layer();
    own.set(key, HIDDEN);
    return new LayeredContext(this._parent, own);
  }

  /** This context with `_value` undefined: `_key` then reads as deleted. */
  _withoutOwnValue(): ExtractedOverContext {
    return new ExtractedOverContext(this._parent, undefined, this._span, this._baggage, this._key, undefined);
  }

  /**
   * The result of an extraction onto this context that sets `span`, `baggage` (when defined) and
   * `key`=`value` (`key` undefined: none), in fields over `_parent`, when its fields leave none of this
   * context's values to keep besides the baggage; `undefined` otherwise.
   */
  _replaced(span: unknown, baggage: unknown, key: symbol | undefined, value: unknown): Context | undefined {
    if (this._own !== undefined || (this._key !== undefined && this._key !== key)) return undefined;
    return new ExtractedOverContext(this._parent, undefined, span, baggage ?? this._baggage, key, value);
  }

  /** The values this context holds over `_parent`, as a new Map of a {@link LayeredContext}. */
  _layer(): Map<symbol, unknown> {
    const own = this._own === undefined ? new Map<symbol, unknown>() : new Map(this._own);
    if (this._baggage !== undefined) own.set(BAGGAGE_KEY!, this._baggage);
    own.set(SPAN_KEY!, layerValue(this._span));
    if (this._key !== undefined) own.set(this._key, layerValue(this._value));
    return own;
  }
}

/**
 * Internal: a Context that answers every `getValue` as `ctx` does and whose `setValue` / `deleteValue` copy
 * only the values set on it since, never those of `ctx`: an empty {@link LayeredContext} over `ctx`; `ctx`
 * itself when it is `ROOT_CONTEXT` (its copy is of no values) or already a layer (whose own copies are of its
 * layer alone). For an extraction that sets its values one `setValue` at a time onto a base context (span
 * links, a restored root, `restart`, the standalone Datadog style, @opentelemetry/propagator-b3): each call
 * then copies the few values of the extraction, not the base's (BENCHMARKS.md "Forty-seventh pass"). Never
 * calls `ctx`'s `setValue` or `deleteValue`.
 */
export function layerOver(ctx: Context): Context {
  if (ctx === ROOT_CONTEXT || ctx instanceof LayeredContext || ctx instanceof ExtractedOverContext)
    return ctx;
  return new LayeredContext(ctx, new Map());
}

/**
 * Internal: `ctx` with each of `keys` deleted (`deleteValue`), for keys `ctx` holds: when `ctx` is not
 * `ROOT_CONTEXT`, one {@link LayeredContext} hiding them over `ctx` (or over the base of `ctx` when it is a
 * layer), without copying the values of `ctx`. Never calls `ctx`'s `setValue` or `deleteValue`.
 */
export function withoutValues(ctx: Context, keys: readonly symbol[]): Context {
  if (keys.length === 0) return ctx;
  let parent = ctx;
  let own: Map<symbol, unknown>;
  if (ctx instanceof LayeredContext) {
    parent = ctx._parent;
    own = new Map(ctx._own);
  } else if (ctx instanceof ExtractedOverContext) {
    // An earlier extraction's result whose one held key is its own field (the usual case: the Datadog
    // fields): the same fields with that value undefined, which hides the key as deleteValue does.
    if (ctx._own === undefined && keys.length === 1 && keys[0] === ctx._key) return ctx._withoutOwnValue();
    parent = ctx._parent;
    own = ctx._layer();
  } else if (ctx === ROOT_CONTEXT) {
    return ctx;
  } else own = new Map();
  for (const key of keys) own.set(key, HIDDEN);
  return new LayeredContext(parent, own);
}

/**
 * What `base` with the baggage (when given), then the remote span of `spanContext`
 * (`trace.setSpanContext`), then `key`=`value` set would give, built in one step: an
 * {@link ExtractedContext} from `ROOT_CONTEXT`, an {@link ExtractedOverContext} over any other context
 * (over the base of `base` when it is a layer); chained `setValue` calls only when the api's keys could
 * not be read. Never calls `base`'s `setValue` or `deleteValue`. `key` must not be the api's span or
 * baggage key.
 */
export function contextWithSpan(
  base: Context,
  baggage: Baggage | undefined,
  spanContext: SpanContext,
  key: symbol | undefined,
  value: unknown,
): Context {
  if (SPAN_KEY === undefined || BAGGAGE_KEY === undefined) {
    let result = baggage === undefined ? base : propagation.setBaggage(base, baggage);
    result = trace.setSpanContext(result, spanContext);
    return key === undefined ? result : result.setValue(key, value);
  }
  const span = trace.wrapSpanContext(spanContext);
  if (base === ROOT_CONTEXT) return new ExtractedContext(span, baggage, key, value);
  if (base instanceof LayeredContext)
    return new ExtractedOverContext(base._parent, base._own, span, baggage, key, value);
  if (base instanceof ExtractedOverContext)
    return (
      base._replaced(span, baggage, key, value) ??
      new ExtractedOverContext(base._parent, base._layer(), span, baggage, key, value)
    );
  return new ExtractedOverContext(base, undefined, span, baggage, key, value);
}
