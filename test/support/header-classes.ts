// Header objects of the shapes tracehop tells apart (src/carrier/header-object-kind.ts), shared by the
// classifier's tests and the tests that write and read them.
import { headers as natsHeaders, type MsgHdrs } from "nats";

/** NATS MsgHdrs holding `fields` (names as given: NATS header names are case-sensitive). */
export function msgHdrs(fields: Record<string, string>): MsgHdrs {
  const h = natsHeaders();
  for (const [name, value] of Object.entries(fields)) h.set(name, value);
  return h;
}

/** A class read through get(name): get/set/delete, its fields private, no iterator, no keys(). */
export class LookUpHeaders {
  readonly #fields = new Map<string, string>();
  get(name: string): string | undefined {
    return this.#fields.get(name);
  }
  set(name: string, value: string): void {
    this.#fields.set(name, value);
  }
  delete(name: string): void {
    this.#fields.delete(name);
  }
}

/** A class written through set/delete that keeps its fields as own properties: no get, no iterator. */
export class SetDeleteHeaders {
  [name: string]: unknown;
  set(name: string, value: string): void {
    this[name] = value;
  }
  delete(name: string): void {
    delete this[name];
  }
}
