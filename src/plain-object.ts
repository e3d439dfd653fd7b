/**
 * The tests of "an object of no class" (a plain object), in one place:
 * - {@link isPlainObject} / {@link isPlainPrototype}: this realm's `Object.prototype` or none (one
 *   comparison): what an options object must be, and the usual headers object a writer writes as
 *   properties (`writeKind`, src/carrier/header-object-kind.ts);
 * - {@link isPlainObjectOfAnyRealm}: also another realm's `Object.prototype` (a `vm` context's): what a
 *   header object's warnings and `headerObjectKind`'s `"lookup"` kind leave out;
 * - {@link isClassInstance}: a class's prototype in the chain (an object whose prototypes are plain
 *   data is no class instance: a record of fields, which `withSendSpan` copies rather than fills).
 * Not to be confused with `isPropertyRecord` (src/context/holds-carrier.ts), which accepts a class
 * instance: any object read through its own properties (a row of an ORM's class), not an array, bytes,
 * a Map or a header object.
 */

/**
 * Internal: whether `value` is a plain object of this realm (its prototype this realm's
 * `Object.prototype`, or none): what an options object must be. A Map, a Date, an array, a class
 * instance or a plain object of another realm is not one (its own fields are not its entries).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  try {
    return isPlainPrototype(Object.getPrototypeOf(value));
  } catch {
    return false; // a revoked Proxy
  }
}

/**
 * Internal: whether `prototype` is a plain object's of this realm: `Object.prototype` (one
 * comparison), or none. {@link isPlainObject} on a prototype already read (`writeKind`, the
 * descriptions of `describeValue`).
 */
export function isPlainPrototype(prototype: unknown): boolean {
  return prototype === Object.prototype || prototype === null;
}

/**
 * True for an object of no class, of any realm: its prototype `Object.prototype` (of this realm: one
 * comparison, the usual headers object), `null`, or a prototype whose own prototype is `null`
 * (`Object.prototype` of another realm). An instance of a class, an array or a typed array is not.
 * Wider than {@link isPlainPrototype} (this realm's alone, as `writeKind` asks): what the warning about
 * headers written as properties keeps quiet about, and what `headerObjectKind` never reads through
 * `get`. Never throws (a throwing proxy trap: false).
 */
export function isPlainObjectOfAnyRealm(value: object): boolean {
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    return isPlainPrototype(prototype) || Object.getPrototypeOf(prototype) === null;
  } catch {
    return false;
  }
}

/**
 * Internal: most prototypes {@link isClassInstance} looks at before it takes an object for a class
 * instance; so most prototypes `withSendSpan`'s copy of a record of fields reads fields from.
 */
export const MAX_PROTOTYPE_DEPTH = 32;

/**
 * True for an instance of a class: some object of its prototype chain, before the chain's end
 * (`Object.prototype` of any realm, or `null`), is a class's prototype — it has an own `constructor`
 * (a `class`, a constructor function's `prototype`) or an own method (a function-valued property).
 * False for a plain object of any realm ({@link isPlainObjectOfAnyRealm}) and for an object whose
 * prototypes are plain data (`Object.create({ a: "1" })`, a null-prototype table; amqplib makes an
 * AMQP table header named `__proto__` the headers object's prototype): such an object is a record of
 * fields, whose client sends what `for…in` lists. An array is one (of `Array`). A chain longer than 32,
 * or one a proxy's trap refuses to show, counts as a class instance. Never throws.
 */
export function isClassInstance(value: object): boolean {
  try {
    let prototype: unknown = Object.getPrototypeOf(value);
    for (let depth = 0; depth < MAX_PROTOTYPE_DEPTH; depth++) {
      if (prototype === null || prototype === Object.prototype) return false;
      const next: unknown = Object.getPrototypeOf(prototype);
      // The end of the chain: null, or `Object.prototype` of another realm (its prototype is null).
      if (next === null) return false;
      if (hasClassMember(prototype as object)) return true;
      prototype = next;
    }
    return true;
  } catch {
    return true;
  }
}

/** Whether `prototype` has an own `constructor` or an own function-valued property. May throw. */
function hasClassMember(prototype: object): boolean {
  if (Object.hasOwn(prototype, "constructor")) return true;
  for (const key of Reflect.ownKeys(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
    if (descriptor !== undefined && typeof descriptor.value === "function") return true;
  }
  return false;
}
