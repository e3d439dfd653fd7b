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
 * pays that three times (the top self-time entry of the extract profiles, ≈ 30%). From `ROOT_CONTEXT`
 * (where extraction starts: `contextFromCarrier`, an HTTP server request) the result is an
 * {@link ExtractedContext} holding its few values in fields (copied into a {@link ValuesContext}, one
 * Map, on the first `setValue`); from any other context each value is set with its own `setValue`
 * (`propagation.setBaggage`, `trace.setSpanContext`, then the Datadog fields' key). All
 * answer `getValue` / `setValue` / `deleteValue` exactly as `BaseContext` does.
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
  if (!(context instanceof ValuesContext)) return context.setValue(key, value);
  context.addOwnValue(key, value);
  return context;
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
 * What `base` with the baggage (when given), then the remote span of `spanContext`
 * (`trace.setSpanContext`), then `key`=`value` set would give: one Context from `ROOT_CONTEXT`,
 * chained `setValue` calls from any other context (or when the api's keys could not be read).
 * `key` must not be the api's span or baggage key.
 */
export function contextWithSpan(
  base: Context,
  baggage: Baggage | undefined,
  spanContext: SpanContext,
  key: symbol | undefined,
  value: unknown,
): Context {
  if (base !== ROOT_CONTEXT || SPAN_KEY === undefined || BAGGAGE_KEY === undefined) {
    let result = baggage === undefined ? base : propagation.setBaggage(base, baggage);
    result = trace.setSpanContext(result, spanContext);
    return key === undefined ? result : result.setValue(key, value);
  }
  return new ExtractedContext(trace.wrapSpanContext(spanContext), baggage, key, value);
}
