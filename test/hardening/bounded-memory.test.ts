/**
 * What tracehop keeps for the life of a process stays bounded whatever the input: the keys of its
 * once-per-process warnings that come from a carrier (the names of dropped carrier fields).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { warnDroppedField } from "../../src/carrier/header-text-fields.js";
import { hasWarned } from "../../src/warn-once.js";

test("dropped carrier field names: at most 16 are kept, also under OTEL_SDK_DISABLED=true, which says none of them", async () => {
  // A propagator writing one field per baggage key (Jaeger's uberctx-<key>) with keys that are no header
  // text: every relayed message brings new names. Under OTEL_SDK_DISABLED nothing is said, and the names
  // were kept without a bound (a reviewer's soak: 116 bytes per message, 1.3 KB with 600-character keys).
  const previous = process.env.OTEL_SDK_DISABLED;
  process.env.OTEL_SDK_DISABLED = "true";
  const warned: string[] = [];
  const onWarning = (warning: Error) => warned.push(warning.message);
  process.on("warning", onWarning);
  const names = Array.from({ length: 1000 }, (_, i) => `uberctx-usér${i}`);
  try {
    for (const name of names) warnDroppedField(name, "v");
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
    if (previous === undefined) delete process.env.OTEL_SDK_DISABLED;
    else process.env.OTEL_SDK_DISABLED = previous;
  }
  assert.deepEqual(warned, []);
  const kept = names.filter((name) => hasWarned(`carrier field ${name}`));
  assert.deepEqual(kept, names.slice(0, 16));
  // Tracing on again: the bound is spent, nothing more is said or kept.
  warnDroppedField("uberctx-later\u0000", "v");
  assert.equal(hasWarned("carrier field uberctx-later\u0000"), false);
});
