/**
 * The relation policy: how a span started from a stored carrier relates to the stored context
 * (docs/restore.md "Relation policy").
 */
import { describeValue } from "../describe-value.js";
import { assertKnownOptions } from "../known-options.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import { ordinalValue } from "./ordinal-options.js";

/**
 * How the span `withCarrier` starts relates to the context stored in the carrier:
 *
 * - `parent`: a child of the stored context — one trace across the hop (Temporal, BullMQ, OTel
 *   kafkajs `eachMessage`, Datadog's default `continue`).
 * - `link`: the first span of a new trace, with a span link to the stored context (OTel messaging
 *   conventions, Oban's and Sidekiq's default, Datadog's `restart`). Baggage and the trace-independent
 *   Datadog fields carry over (docs/restore.md "Link mode").
 * - `none`: a new trace with no link; only the stored baggage carries over.
 * - `auto`: `parent` while the stored context is younger than `maxParentAge` and this is the first
 *   run, else `link` (the maximum-age policy users ask for: Particular/NServiceBus#6732,
 *   taskforcesh/bullmq#2942).
 */
export type Relation = "parent" | "link" | "none" | "auto";

/** The relation a span ended up with: `auto` resolved. */
export type ResolvedRelation = Exclude<Relation, "auto">;

const RELATIONS: ReadonlySet<string> = new Set<Relation>(["parent", "link", "none", "auto"]);

/**
 * Default `maxParentAge` of `relation: "auto"`, in milliseconds: `300000` (5 minutes). Far longer than a
 * request and the OpenTelemetry Collector's tail-sampling decision wait (30 s by default), so work
 * that follows a request continues its trace; delayed, scheduled and repeating work, which runs
 * minutes to months later, starts its own trace (Particular/NServiceBus#6732, taskforcesh/bullmq#2942).
 */
export const DEFAULT_MAX_PARENT_AGE_MS = 5 * 60 * 1000;

/** Process-wide defaults of the restore side; per-call options win. */
export interface RestoreDefaults {
  /** Default `relation` of `withCarrier` and `traced` (initially `parent`). */
  relation?: Relation | undefined;
  /** Default `maxParentAge` of `relation: "auto"`, in milliseconds (initially 5 minutes). */
  maxParentAge?: number | undefined;
}

let defaults: Readonly<Required<RestoreDefaults>> = {
  relation: "parent",
  maxParentAge: DEFAULT_MAX_PARENT_AGE_MS,
};

/**
 * Replaces the process-wide defaults of `withCarrier`, `traced` and `withBatchItem`; fields left out
 * return to their initial values (`relation: "parent"`, `maxParentAge: 5 minutes`), so
 * `setRestoreDefaults({})` (or `setRestoreDefaults()`) resets. Returns the defaults that were in
 * force before. A `maxParentAge` other than the default with a relation other than `auto` (which
 * alone reads it) is said once per process (`TRACEHOP_MAX_PARENT_AGE_UNUSED`), never refused.
 *
 * @throws TypeError when `next` is not a plain object (`null`, a number, a string, an array),
 *   `relation` is not one of `parent`, `link`, `none`, `auto`, `maxParentAge` is not a finite number
 *   >= 0 (milliseconds), or `next` holds another name.
 */
export function setRestoreDefaults(next: RestoreDefaults = {}): Required<RestoreDefaults> {
  assertKnownOptions(next, ["relation", "maxParentAge"], "tracehop setRestoreDefaults");
  const previous = { ...defaults };
  const relation = next.relation ?? "parent";
  const maxParentAge = next.maxParentAge ?? DEFAULT_MAX_PARENT_AGE_MS;
  assertRelation(relation, "setRestoreDefaults");
  assertMaxParentAge(maxParentAge, "setRestoreDefaults");
  defaults = Object.freeze({ relation, maxParentAge });
  // Not for the default value: what `setRestoreDefaults` returns, handed back to restore the defaults
  // in force before (`setRestoreDefaults(previous)`), always holds it.
  if (next.maxParentAge !== undefined && maxParentAge !== DEFAULT_MAX_PARENT_AGE_MS && relation !== "auto")
    warnOnce(
      "setRestoreDefaults-maxParentAge-unused",
      `tracehop setRestoreDefaults: maxParentAge (${maxParentAge} ms) is read only by relation "auto", and ` +
        `the default relation is "${relation}": only calls that pass relation: "auto" themselves use it. ` +
        `For every restore, setRestoreDefaults({ relation: "auto", maxParentAge: ${maxParentAge} })`,
      MAX_PARENT_AGE_UNUSED,
    );
  return previous;
}

/** The code of the warning that a `maxParentAge` is given where no relation `auto` reads it. */
const MAX_PARENT_AGE_UNUSED = "TRACEHOP_MAX_PARENT_AGE_UNUSED";
const MAX_PARENT_AGE_UNUSED_KEY = "maxParentAge-unused";

/**
 * Says once per process (`TRACEHOP_MAX_PARENT_AGE_UNUSED`) that a restore by `caller` was given
 * `maxParentAge` while the relation in effect for it (the call's `relation`, else `setRestoreDefaults`'
 * relation) is not `auto`, the only relation that reads it: `relation` `parent` would otherwise
 * parent a context of any age without a word. Nothing is thrown, nothing changes: code that passes it
 * keeps working. Costs one comparison when `maxParentAge` is not given. Never throws.
 */
export function warnIfMaxParentAgeUnused(
  options: { relation?: Relation | undefined; maxParentAge?: number | undefined },
  caller: string,
): void {
  if (options.maxParentAge === undefined) return;
  const relation = options.relation ?? defaults.relation;
  if (relation === "auto" || hasWarned(MAX_PARENT_AGE_UNUSED_KEY)) return;
  const from = options.relation === undefined ? "setRestoreDefaults' default" : "given";
  warnOnce(
    MAX_PARENT_AGE_UNUSED_KEY,
    `tracehop ${caller}: maxParentAge (${options.maxParentAge} ms) is read only by relation "auto", and the ` +
      `relation here is "${relation}" (${from}): the span is related to the stored context the same way ` +
      `whatever its age. Pass relation: "auto" with maxParentAge (or setRestoreDefaults({ relation: "auto" })) ` +
      `to start a new trace, linked to it, past that age`,
    MAX_PARENT_AGE_UNUSED,
  );
}

/** The process-wide defaults in force (a copy). */
export function getRestoreDefaults(): Required<RestoreDefaults> {
  return { ...defaults };
}

/** Internal, per restore: the frozen defaults object itself (no copy on the hot path). */
export function currentRestoreDefaults(): Readonly<Required<RestoreDefaults>> {
  return defaults;
}

/** What `auto` looks at. */
export interface RelationInputs {
  /** The stored carrier held a context to relate to (a valid span context, or a Datadog root). */
  hasStoredContext: boolean;
  /** Milliseconds between capture and restore, when the capture time is known. */
  ageMs: number | undefined;
  /** 1-based run number of a repeating job, when given. */
  run: number | undefined;
  /** Milliseconds. */
  maxParentAge: number;
}

/**
 * Resolves `auto`: `link` when the stored context is older than `maxParentAge` or this is a later run
 * (`run > 1`) of a repeating job, so that no trace accumulates more than one run
 * (taskforcesh/bullmq#2942); `parent` otherwise, including when the capture time is unknown. Other
 * relations are returned unchanged.
 */
export function resolveRelation(relation: Relation, inputs: RelationInputs): ResolvedRelation {
  if (relation !== "auto") return relation;
  if (!inputs.hasStoredContext) return "parent";
  if (inputs.run !== undefined && inputs.run > 1) return "link";
  if (inputs.ageMs !== undefined && inputs.ageMs > inputs.maxParentAge) return "link";
  return "parent";
}

/** @throws TypeError naming `where` when `relation` is not a {@link Relation}. */
export function assertRelation(relation: unknown, where: string): asserts relation is Relation {
  if (typeof relation !== "string" || !RELATIONS.has(relation)) {
    throw new TypeError(
      `tracehop ${where}: relation must be "parent", "link", "none" or "auto", got ${describeValue(relation)}`,
    );
  }
}

/** @throws TypeError naming `where` when `value` is not a finite number of milliseconds >= 0. */
export function assertMaxParentAge(value: unknown, where: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `tracehop ${where}: maxParentAge must be a finite number of milliseconds >= 0, got ${describeValue(value)}`,
    );
  }
}

/**
 * An `attempt` or `run` as its span attribute and the relation policy read it: checked options hold a
 * number already (`ordinalOptions`, ordinal-options.ts), so this is that number; anything else
 * ({@link ordinalValue}'s rules) its number, or `undefined`.
 */
export function ordinalNumber(value: unknown): number | undefined {
  return typeof value === "number" || value === undefined || value === null
    ? (value ?? undefined)
    : ordinalValue(value);
}
