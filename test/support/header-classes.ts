// Header classes of the shapes tracehop tells apart (src/carrier/header-object-kind.ts), shared by the
// classifier's tests and the messaging tests that write and read them.

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
