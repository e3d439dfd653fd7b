/**
 * The baggage policy of a captured carrier (the `baggage` option of `captureCarrier`,
 * `traceCarrierExtension`, and the messaging helpers that write message headers: `withSendSpan`,
 * `injectKafkaHeaders`, `injectAmqpHeaders`): which baggage entries a carrier keeps, checked once and
 * applied before and after injection.
 */
import { context as contextApi, propagation, type Context } from "@opentelemetry/api";
import type { TraceCarrier } from "../carrier/trace-carrier.js";
import { describeValue } from "../describe-value.js";
import { JAEGER_BAGGAGE_PREFIX, LEGACY_BAGGAGE_PREFIX } from "../propagation/header-names.js";
import { isBaggageToken } from "../propagation/w3c/baggage.js";
import { BAGGAGE_HEADER } from "../propagation/w3c/constants.js";

/**
 * What baggage a captured carrier may keep. Baggage is free-form user data (user ids, e-mail
 * addresses, tenant names end up there), and a row outlives the request by months, so
 * `traceCarrierExtension` keeps none of it by default; `captureCarrier` keeps all of it by default
 * (its carrier is what would travel as HTTP headers, message headers included), and so do the
 * messaging helpers that write message headers (`withSendSpan`, `injectKafkaHeaders`,
 * `injectAmqpHeaders`: a message is the wire):
 * - `"none"`: no baggage header is kept: no `baggage`, `ot-baggage-*` nor Jaeger's `uberctx-*`;
 * - `"all"`: baggage is kept as the propagator writes it;
 * - a list of baggage keys (exact, case-sensitive as W3C Baggage §3.2.1.2 keys are; each an RFC 7230
 *   token, else a TypeError): only those entries are kept; `[]` keeps none, as `"none"` does. A
 *   per-entry header (`ot-baggage-<key>`, `uberctx-<key>`) is matched by its key in any case: header
 *   names are case-insensitive and written lower case (docs/prisma.md, "Baggage").
 */
export type BaggagePolicy = "none" | "all" | readonly string[];

/** The compiled `"none"`: no key allowed (shared: never changed). */
const NO_BAGGAGE: ReadonlySet<string> = new Set();

/**
 * Internal: checks a {@link BaggagePolicy} given by a user and returns it in the form
 * {@link withAllowedBaggage} and {@link isDeniedBaggageHeader} use: `undefined` for `"all"`, a Set of
 * keys otherwise. An empty array keeps no key: the same as `"none"` (an allow-list built from
 * configuration may be empty). `label` begins each message, naming the entry point the user called
 * (`tracehop captureCarrier`, `tracehop traceCarrierExtension`, `tracehop withSendSpan`); `byDefault` is the policy of an
 * option not given (`undefined`).
 *
 * @throws TypeError naming the accepted values when `policy` is none of them; naming the index and
 *   value of an array element that is not a non-empty string (a hole of a sparse array included), or
 *   that is a key no baggage header can carry (`"a b"`, `"a,b"`, `"é"`): a key is an RFC 7230 token
 *   (W3C Baggage §3.2.1.2), and tracehop's styles drop any other key on inject, so such an entry
 *   would never keep anything. (`@opentelemetry/core`'s `W3CBaggagePropagator` writes `a b` as
 *   `a%20b`, which a W3C reader, tracehop's included, restores as that literal key.)
 */
export function compileBaggagePolicy(
  policy: unknown,
  label: string,
  byDefault: "none" | "all",
): ReadonlySet<string> | undefined {
  const given = policy === undefined ? byDefault : policy;
  if (given === "all") return undefined;
  if (given === "none") return NO_BAGGAGE;
  if (Array.isArray(given)) {
    for (let i = 0; i < given.length; i++) {
      const key: unknown = given[i];
      if (typeof key !== "string" || key.length === 0)
        throw new TypeError(
          `${label}: baggage[${i}] must be a baggage key (a non-empty string such as "tenant"), got ${describeValue(key)}`,
        );
      if (!isBaggageToken(key))
        throw new TypeError(
          `${label}: baggage[${i}] is ${describeValue(key)}, which no baggage header can carry: a baggage key is a token of ASCII letters, digits and !#$%&'*+-.^_\`|~ (W3C Baggage §3.2.1.2, RFC 7230 token), without spaces, commas, semicolons or quotes`,
        );
    }
    return given.length === 0 ? NO_BAGGAGE : new Set(given as string[]);
  }
  throw new TypeError(
    `${label}: baggage must be "none", "all" or an array of baggage keys, got ${describeValue(given)}`,
  );
}

/**
 * Internal: `ctx` (default: the active context) with only the baggage entries `allowed` keeps (rule 1
 * of the policy: every propagator then sees the filtered baggage); `ctx` itself when nothing is
 * removed. Never throws on what the baggage holds.
 */
export function withAllowedBaggage(
  ctx: Context | undefined,
  allowed: ReadonlySet<string>,
): Context | undefined {
  const active = ctx ?? contextApi.active();
  const baggage = propagation.getBaggage(active);
  if (!baggage) return ctx;
  if (allowed.size === 0) return propagation.deleteBaggage(active);
  const denied: string[] = [];
  for (const [key] of baggage.getAllEntries()) if (!allowed.has(key)) denied.push(key);
  if (!denied.length) return ctx;
  return propagation.setBaggage(active, baggage.removeEntries(...denied));
}

/**
 * Internal: the prefixes of the per-entry baggage header families, one header `<prefix><key>` per
 * baggage entry: `ot-baggage-` (the OT trace format: `@opentelemetry/propagator-ot-trace`, Datadog's
 * OpenTracing tracers) and Jaeger's `uberctx-`.
 */
export const PER_ENTRY_BAGGAGE_PREFIXES: readonly string[] = [LEGACY_BAGGAGE_PREFIX, JAEGER_BAGGAGE_PREFIX];

/**
 * Internal: the entry key of a per-entry baggage header (`ot-baggage-tenant`, `uberctx-tenant`:
 * `tenant`), `undefined` for any other name (a bare prefix included). `lowerCaseName` is a carrier
 * field name, lower case as a carrier is written.
 */
export function perEntryBaggageKey(lowerCaseName: string): string | undefined {
  for (const prefix of PER_ENTRY_BAGGAGE_PREFIXES)
    if (lowerCaseName.length > prefix.length && lowerCaseName.startsWith(prefix))
      return lowerCaseName.slice(prefix.length);
  return undefined;
}

/**
 * Internal: whether the carrier field `lowerCaseName` is a baggage header — the one rule of the baggage
 * policy ({@link isDeniedBaggageHeader}), of the bounded trim of a stored carrier ("baggage goes first")
 * and of the stale headers a message writer removes: `baggage` (W3C Baggage §3) or a per-entry header
 * ({@link PER_ENTRY_BAGGAGE_PREFIXES}: `ot-baggage-<key>`, Jaeger's `uberctx-<key>`). The name is lower
 * case, as a carrier is written (header names are case-insensitive, RFC 9110 §5.1: lower-case them
 * first).
 */
export function isBaggageHeader(lowerCaseName: string): boolean {
  return lowerCaseName === BAGGAGE_HEADER || perEntryBaggageKey(lowerCaseName) !== undefined;
}

/** The keys of each compiled policy, lower-cased ({@link isDeniedBaggageHeader}), made once per policy. */
const lowerCaseKeys = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/**
 * Internal: whether the carrier field `key` (lower case, as a carrier is written) is a baggage header
 * ({@link isBaggageHeader}) the policy `allowed` does not keep (rule 2: a header a propagator still
 * writes for a removed entry): `baggage` (W3C Baggage §3.1) when no key is allowed; a per-entry header
 * (`ot-baggage-<key>`, Jaeger's `uberctx-<key>`) by its key, compared in any ASCII case: a header name
 * is case-insensitive (RFC 9110 §5.1) and written lower case, so the header a propagator writes for the
 * allowed entry `Tenant` is `uberctx-tenant`, which a case-sensitive comparison would drop. (Entries of
 * the context, and of the `baggage` header, are compared exactly: W3C Baggage §3.2.1.2 keys are
 * case-sensitive.)
 */
export function isDeniedBaggageHeader(allowed: ReadonlySet<string>, key: string): boolean {
  if (key === BAGGAGE_HEADER) return allowed.size === 0;
  const entryKey = perEntryBaggageKey(key);
  if (entryKey === undefined) return false;
  if (allowed.size === 0) return true;
  let lower = lowerCaseKeys.get(allowed);
  if (lower === undefined) {
    lower = new Set(Array.from(allowed, (k) => k.toLowerCase()));
    lowerCaseKeys.set(allowed, lower);
  }
  return !lower.has(entryKey.toLowerCase());
}

/** Internal: removes from `carrier` (in place) the baggage headers {@link isDeniedBaggageHeader}. */
export function dropDeniedBaggageHeaders(carrier: TraceCarrier, allowed: ReadonlySet<string>): TraceCarrier {
  for (const key in carrier) if (isDeniedBaggageHeader(allowed, key)) delete carrier[key];
  return carrier;
}
