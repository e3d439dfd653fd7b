import type { Baggage, BaggageEntry } from "@opentelemetry/api";

/**
 * The Baggage that tracehop's W3C Baggage extraction returns: @opentelemetry/api's `Baggage` interface
 * with exactly the semantics of the api's own implementation (the class behind
 * `propagation.createBaggage`, api 1.9): immutable, insertion-ordered, `getEntry` returns a shallow
 * copy, `getAllEntries` a fresh array of `[key, entry]` pairs, and `setEntry` / `removeEntry` /
 * `removeEntries` / `clear` return a new Baggage.
 *
 * tracehop's own so that an extraction builds it straight from the parsed members (the api's
 * `createBaggage(record)` copies the entries into an array and two Maps), and so that injection can
 * read the entries without the array `getAllEntries` copies (see {@link W3CBaggage.entries}).
 */
export class W3CBaggage implements Baggage {
  /**
   * @param _entries the entries, owned by this Baggage from now on (never changed).
   * @param wire the baggage header these entries were read from, when it is exactly what
   *   `serializeBaggage` writes for them (`canonicalBaggageWire`); injection then writes it as it is.
   *   A Baggage derived from this one (`setEntry`, `removeEntry`, ...) has none.
   */
  constructor(
    private readonly _entries: Map<string, BaggageEntry>,
    readonly wire?: string,
  ) {}

  getEntry(key: string): BaggageEntry | undefined {
    const entry = this._entries.get(key);
    return entry ? { ...entry } : undefined;
  }

  getAllEntries(): [string, BaggageEntry][] {
    return Array.from(this._entries.entries());
  }

  setEntry(key: string, entry: BaggageEntry): W3CBaggage {
    return this._copyWith((entries) => entries.set(key, entry));
  }

  removeEntry(key: string): W3CBaggage {
    return this._copyWith((entries) => entries.delete(key));
  }

  removeEntries(...keys: string[]): W3CBaggage {
    return this._copyWith((entries) => {
      for (const key of keys) entries.delete(key);
    });
  }

  clear(): W3CBaggage {
    return new W3CBaggage(new Map());
  }

  /** A new Baggage of a copy of the entries that `change` edits (this one stays as it is). */
  private _copyWith(change: (entries: Map<string, BaggageEntry>) => unknown): W3CBaggage {
    const entries = new Map(this._entries);
    change(entries);
    return new W3CBaggage(entries);
  }

  /** Internal: the entries in order, read-only, without a copy (see {@link baggageEntries}). */
  entries(): Iterable<[string, BaggageEntry]> {
    return this._entries;
  }
}

/**
 * Internal: the `[key, entry]` pairs of any Baggage in order, read-only: a {@link W3CBaggage}'s own
 * entries without a copy, else `getAllEntries()`.
 */
export function baggageEntries(baggage: Baggage): Iterable<[string, BaggageEntry]> {
  return baggage instanceof W3CBaggage ? baggage.entries() : baggage.getAllEntries();
}
