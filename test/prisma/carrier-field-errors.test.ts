/**
 * What the errors of `traceCarrierExtension` tell the user to change (no database: `carrierModels` on a
 * runtime data model and schema text as Prisma 7's generated client holds them, and the options
 * checked when `traceCarrierExtension(...)` is called): a mapped column named instead of its field,
 * a model whose carrier is another Json field, a field of the wrong type; bad `models` and `baggage`
 * entries named by position (a hole, a baggage key that is no token); every message under the
 * `tracehop traceCarrierExtension:` prefix. An empty `baggage` list is no error: it keeps none, as `"none"` does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { propagation, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import {
  MAX_STORED_CARRIER_BYTES,
  traceCarrierExtension,
  type BaggagePolicy,
} from "../../src/prisma/index.js";
import { captureStoredCarrier } from "../../src/prisma/carrier-capture.js";
import { compileBaggagePolicy } from "../../src/context/baggage-policy.js";
import { carrierModels } from "../../src/prisma/carrier-models.js";

/** As the generated client of a schema with `traceContext Json? @map("trace_ctx")` holds it. */
const rdm = {
  models: {
    Outbox: {
      fields: [
        { name: "id", kind: "scalar", type: "Int" },
        { name: "traceContext", kind: "scalar", type: "Json", dbName: "trace_ctx" },
      ],
    },
    Item: {
      fields: [
        { name: "id", kind: "scalar", type: "Int" },
        { name: "carrier", kind: "scalar", type: "Json" },
        { name: "extra", kind: "scalar", type: "Json" },
        { name: "orderId", kind: "scalar", type: "Int" },
        { name: "order", kind: "object", type: "Order", relationName: "ItemToOrder" },
      ],
    },
    Order: {
      fields: [
        { name: "id", kind: "scalar", type: "Int" },
        { name: "name", kind: "scalar", type: "String" },
        { name: "tags", kind: "scalar", type: "Json" },
        { name: "items", kind: "object", type: "Item", relationName: "ItemToOrder" },
      ],
    },
    Plain: { fields: [{ name: "id", kind: "scalar", type: "Int" }] },
    Event: {
      fields: [
        { name: "id", kind: "scalar", type: "Int" },
        { name: "payload", kind: "scalar", type: "Json" },
        { name: "traceContext", kind: "scalar", type: "Json" },
        { name: "claimedBy", kind: "scalar", type: "String" },
      ],
      // `@@map("event_log")`: the runtime data model gives the table's name as the model's dbName.
      dbName: "event_log",
    },
  },
};
const schema = [
  "model Outbox {",
  "  id           Int   @id",
  '  traceContext Json? @map("trace_ctx")',
  "}",
  "model Item {",
  "  id      Int   @id",
  "  carrier Json?",
  "  extra   Json?",
  "  orderId Int",
  "  order   Order @relation(fields: [orderId], references: [id])",
  "}",
  "model Order {",
  "  id    Int    @id",
  "  name  String",
  "  tags  Json[]",
  "  items Item[]",
  "}",
  "model Plain {",
  "  id Int @id",
  "}",
  "model Event {",
  "  id           Int     @id",
  "  payload      Json",
  "  traceContext Json?",
  "  claimedBy    String?",
  '  @@map("event_log")',
  "}",
].join("\n");

const NEEDS = (model: string, field: string) =>
  `tracehop traceCarrierExtension: model "${model}" needs a Json field "${field}" to hold the carrier`;

test("a column name of a mapped field: the error names the field to pass", () => {
  assert.throws(() => carrierModels(rdm, "traceContext", { Outbox: "trace_ctx" }, schema), {
    name: "Error",
    message: `${NEEDS("Outbox", "trace_ctx")}, found no such field: column "trace_ctx" is the field "traceContext" (@map("trace_ctx")); models takes field names: pass { Outbox: "traceContext" }`,
  });
  assert.equal(
    carrierModels(rdm, "traceContext", { Outbox: "traceContext" }, schema).get("Outbox")!.field,
    "traceContext",
  );
  // The same column given as the `field` option.
  assert.throws(() => carrierModels(rdm, "trace_ctx", undefined, schema), {
    name: "Error",
    message: `tracehop traceCarrierExtension: no model of this Prisma Client has a Json field "trace_ctx": column "trace_ctx" is the field "Outbox.traceContext" (@map("trace_ctx")); field takes field names: pass { field: "traceContext" }`,
  });
});

test("a mapped column's name is quoted by the shared rule: a quote, a control or bidirectional character escaped, never written as is", () => {
  const column = 'trace"ctx\u202e\n';
  const quoted = '"trace\\"ctx\\u202e\\n"';
  const mappedRdm = {
    models: {
      Job: {
        fields: [
          { name: "id", kind: "scalar", type: "Int" },
          { name: "traceContext", kind: "scalar", type: "Json", dbName: column },
        ],
      },
    },
  };
  const mappedSchema = ["model Job {", "  id           Int   @id", "  traceContext Json?", "}"].join("\n");
  assert.throws(() => carrierModels(mappedRdm, "traceContext", { Job: column }, mappedSchema), {
    message: `tracehop traceCarrierExtension: model "Job" needs a Json field ${quoted} to hold the carrier, found no such field: column ${quoted} is the field "traceContext" (@map(${quoted})); models takes field names: pass { Job: "traceContext" }`,
  });
  assert.throws(() => carrierModels(mappedRdm, column, undefined, mappedSchema), {
    message: `tracehop traceCarrierExtension: no model of this Prisma Client has a Json field ${quoted}: column ${quoted} is the field "Job.traceContext" (@map(${quoted})); field takes field names: pass { field: "traceContext" }`,
  });
});

test("a model without the field but with Json fields: the error names them and the models entry to pass", () => {
  assert.throws(() => carrierModels(rdm, "traceContext", ["Item"], schema), {
    message: `${NEEDS("Item", "traceContext")}, found no such field; its Json fields are "carrier", "extra": to store the carrier there, pass { models: { Item: "carrier" } } (or add \`traceContext Json?\` to the model)`,
  });
  // A Json[] list is no carrier field: not offered.
  assert.throws(() => carrierModels(rdm, "traceContext", ["Order"], schema), {
    message: `${NEEDS("Order", "traceContext")}, found no such field: add \`traceContext Json?\` to the model (and migrate the column)`,
  });
  assert.throws(() => carrierModels(rdm, "traceContext", ["Plain"], schema), {
    message: `${NEEDS("Plain", "traceContext")}, found no such field: add \`traceContext Json?\` to the model (and migrate the column)`,
  });
});

test("a field of the wrong type: the error says to change its type, not to add it", () => {
  const change =
    ": change its type to `Json?` (or `Json`; a single value, not a list) and migrate the column, or name another field in models";
  assert.throws(() => carrierModels(rdm, "traceContext", { Order: "name" }, schema), {
    message: `${NEEDS("Order", "name")}, found scalar String${change}`,
  });
  assert.throws(() => carrierModels(rdm, "traceContext", { Order: "tags" }, schema), {
    message: `${NEEDS("Order", "tags")}, found scalar Json[]${change}`,
  });
  assert.throws(() => carrierModels(rdm, "traceContext", { Order: "items" }, schema), {
    message: `${NEEDS("Order", "items")}, found a relation to Item: name a Json field of the model in models, or add \`items Json?\` to it`,
  });
});

test("a field of the wrong type on a model that has a Json field: the error names that field, not a migration (trial t4)", () => {
  assert.throws(() => carrierModels(rdm, "traceContext", { Item: "orderId" }, schema), {
    message: `${NEEDS("Item", "orderId")}, found scalar Int; its Json fields are "carrier", "extra": to store the carrier there, pass { models: { Item: "carrier" } }`,
  });
  assert.throws(() => carrierModels(rdm, "traceContext", { Item: "order" }, schema), {
    message: `${NEEDS("Item", "order")}, found a relation to Order; its Json fields are "carrier", "extra": to store the carrier there, pass { models: { Item: "carrier" } }`,
  });
});

test("the Json field offered instead is the likeliest: the name in another case, then traceContext, then the schema's first (trial t7)", () => {
  // payload comes first in the schema, but is a business column: traceContext is offered.
  for (const f of ["claimedBy", "trace_context"])
    assert.throws(() => carrierModels(rdm, "traceContext", { Event: f }, schema), {
      message: new RegExp(
        `its Json fields are "payload", "traceContext": to store the carrier there, pass \\{ models: \\{ Event: "traceContext" \\} \\}`,
      ),
    });
  assert.throws(() => carrierModels(rdm, "traceContext", { Event: "tracecontext" }, schema), {
    message: new RegExp(`pass \\{ models: \\{ Event: "traceContext" \\} \\}`),
  });
  assert.throws(() => carrierModels(rdm, "traceContext", { Item: "EXTRA" }, schema), {
    message: new RegExp(`pass \\{ models: \\{ Item: "extra" \\} \\}`),
  });
});

test("a model named as the client's property (camel case): the error gives the model's name (trial t4)", () => {
  assert.throws(() => carrierModels(rdm, "traceContext", ["item"], schema), {
    message:
      'tracehop traceCarrierExtension: model "item" is not in this Prisma Client: models takes the model\'s name as the schema writes it, "Item" (the client\'s property, db.item, is written in camel case) (models: Outbox, Item, Order, Plain, Event)',
  });
  // Another case than the client's property: the model's name, without the camel-case remark.
  assert.throws(() => carrierModels(rdm, "traceContext", ["ITEM"], schema), {
    message:
      'tracehop traceCarrierExtension: model "ITEM" is not in this Prisma Client: models takes the model\'s name as the schema writes it, "Item" (models: Outbox, Item, Order, Plain, Event)',
  });
  // A name Object.prototype holds is no model either (it threw "Cannot read properties of undefined").
  for (const name of ["constructor", "__proto__", "toString"])
    assert.throws(() => carrierModels(rdm, "traceContext", [name], schema), {
      message: `tracehop traceCarrierExtension: model "${name}" is not in this Prisma Client (models: Outbox, Item, Order, Plain, Event)`,
    });
  // No model of that name in any case: the list alone.
  assert.throws(() => carrierModels(rdm, "traceContext", ["Items"], schema), {
    message:
      'tracehop traceCarrierExtension: model "Items" is not in this Prisma Client (models: Outbox, Item, Order, Plain, Event)',
  });
});

test("a model named by its table (@@map): the error gives the model's name (trial t15)", () => {
  // The array form and the object form alike, the table's name in any case.
  for (const [name, chosen] of [
    ["event_log", ["event_log"]],
    ["EVENT_LOG", ["EVENT_LOG"]],
    ["event_log", { event_log: "traceContext" }],
  ] as const)
    assert.throws(() => carrierModels(rdm, "traceContext", chosen, schema), {
      message: `tracehop traceCarrierExtension: model "${name}" is not in this Prisma Client: models takes the model's name as the schema writes it, "Event" (the table "event_log" is its @@map) (models: Outbox, Item, Order, Plain, Event)`,
    });
  assert.equal(carrierModels(rdm, "traceContext", ["Event"], schema).get("Event")!.field, "traceContext");
});

test("bad models and baggage entries are TypeErrors when traceCarrierExtension() is called, naming the entry", () => {
  const cases: [options: unknown, message: string][] = [
    [
      { models: { Order: 5 } },
      'tracehop traceCarrierExtension: models.Order must be the name of the model\'s carrier field (a non-empty string such as "traceContext"), got 5',
    ],
    [
      { models: { Order: "" } },
      'tracehop traceCarrierExtension: models.Order must be the name of the model\'s carrier field (a non-empty string such as "traceContext"), got ""',
    ],
    [
      { models: ["Order", 5] },
      'tracehop traceCarrierExtension: models[1] must be a model name (a non-empty string such as "Outbox"), got 5',
    ],
    // A hole of a sparse array (`["Order", , "Item"]`) is a bad entry too, named by its index.
    [
      { models: Object.assign([], { 0: "Order", 2: "Item" }) },
      'tracehop traceCarrierExtension: models[1] must be a model name (a non-empty string such as "Outbox"), got undefined',
    ],
    [
      { models: new Array(2) },
      'tracehop traceCarrierExtension: models[0] must be a model name (a non-empty string such as "Outbox"), got undefined',
    ],
    [
      { models: "Order" },
      'tracehop traceCarrierExtension: models must be a non-empty array of model names such as ["Outbox"] or an object { Model: "field" } such as { Outbox: "traceContext" }, got "Order"',
    ],
    [
      { models: [] },
      'tracehop traceCarrierExtension: models must be a non-empty array of model names such as ["Outbox"] or an object { Model: "field" } such as { Outbox: "traceContext" }, got an empty array',
    ],
    [
      { models: {} },
      'tracehop traceCarrierExtension: models must be a non-empty array of model names such as ["Outbox"] or an object { Model: "field" } such as { Outbox: "traceContext" }, got an empty object',
    ],
    [
      { baggage: ["Tenant", 5] },
      'tracehop traceCarrierExtension: baggage[1] must be a baggage key (a non-empty string such as "tenant"), got 5',
    ],
    // A key no baggage header can carry (not an RFC 7230 token, W3C Baggage §3.2.1.2) would never match.
    // Quoted with every character outside printable ASCII escaped, as every option's value is.
    ...[
      ["a b", '"a b"'],
      ["a,b", '"a,b"'],
      ["k=v", '"k=v"'],
      ['"q"', '"\\"q\\""'],
      ["é", '"\\u00e9"'],
    ].map(([key, shown]): [unknown, string] => [
      { baggage: ["tenant", key] },
      `tracehop traceCarrierExtension: baggage[1] is ${shown}, which no baggage header can carry: a baggage key is a token of ASCII letters, digits and !#$%&'*+-.^_\`|~ (W3C Baggage §3.2.1.2, RFC 7230 token), without spaces, commas, semicolons or quotes`,
    ]),
    [
      { baggage: Object.assign([], { 1: "tenant" }) },
      'tracehop traceCarrierExtension: baggage[0] must be a baggage key (a non-empty string such as "tenant"), got undefined',
    ],
    [
      { propagator: "datadog" },
      'tracehop traceCarrierExtension: propagator must be a TextMapPropagator (inject and extract methods), got "datadog" (for styles by name, pass createPropagator("datadog"))',
    ],
    [
      // Blanks of another script around a name (trimmed when read as a style): escaped in the code to copy too.
      { propagator: "datadog\u2028" },
      'tracehop traceCarrierExtension: propagator must be a TextMapPropagator (inject and extract methods), got "datadog\\u2028" (for styles by name, pass createPropagator("datadog\\u2028"))',
    ],
  ];
  for (const [options, message] of cases)
    assert.throws(
      () => traceCarrierExtension(options as never),
      { name: "TypeError", message },
      JSON.stringify(options),
    );
});

test('baggage: an empty list is accepted and keeps no baggage, as "none" does; token keys are accepted', () => {
  let ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
  });
  ctx = propagation.setBaggage(
    ctx,
    propagation.createBaggage({ tenant: { value: "t1" }, "a#b": { value: "2" }, plan: { value: "p" } }),
  );
  const stored = (baggage: BaggagePolicy) => {
    assert.doesNotThrow(() => traceCarrierExtension({ baggage }));
    return captureStoredCarrier(
      compileBaggagePolicy(baggage, "tracehop traceCarrierExtension", "none"),
      MAX_STORED_CARRIER_BYTES,
      { context: ctx },
    );
  };
  const none = stored("none")!;
  assert.equal(none.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  assert.equal(none.baggage, undefined);
  assert.deepEqual(stored([]), none);
  // Every tchar is a key character: `a#b` is the literal key a#b (W3C Baggage §3.2.1.2).
  assert.equal(stored(["a#b", "tenant"])!.baggage, "tenant=t1,a#b=2");
});

test("a model or field name written with a newline, an escape sequence or a bidi override: quoted by the one rule in the error", () => {
  // The name as written, every character outside printable ASCII escaped (docs/warnings.md): a bidi
  // override would reverse the rest of the line, a newline start a line of its own.
  assert.throws(() => carrierModels(rdm, "traceContext", ["It\u202eem\n"], schema), {
    message:
      'tracehop traceCarrierExtension: model "It\\u202eem\\n" is not in this Prisma Client (models: Outbox, Item, Order, Plain, Event)',
  });
  assert.throws(() => carrierModels(rdm, "traceContext", { Plain: "car\u202erier\u001b[2K" }, schema), {
    message:
      'tracehop traceCarrierExtension: model "Plain" needs a Json field "car\\u202erier\\u001b[2K" to hold the carrier, ' +
      "found no such field: add `car\\u202erier\\u001b[2K Json?` to the model (and migrate the column)",
  });
  assert.throws(() => carrierModels(rdm, "trace\u202eContext", undefined, schema), {
    message:
      'tracehop traceCarrierExtension: no model of this Prisma Client has a Json field "trace\\u202eContext"; add ' +
      "`trace\\u202eContext Json?` to the models that should carry the trace, or pass { field } or { models }",
  });
});

test("a field or model name no Prisma schema can declare is a TypeError when traceCarrierExtension() is called, saying what to write", () => {
  // Prisma's schema grammar (checked with `prisma validate`, Prisma 7): a name is a letter (any script),
  // then letters, digits 0-9 or "_"; "_tc", "1tc", "t-c", "t\nc" are refused, "traceContext", "t_c", "té" taken.
  const names = 'a letter, then letters, digits 0-9 or "_"';
  const cases: [options: unknown, message: string][] = [
    [
      { field: "a\nb" },
      `tracehop traceCarrierExtension: field must be a field name as a Prisma schema declares it (${names}, such as "traceContext"), got "a\\nb"; for a column mapped with @map, pass its field's name`,
    ],
    [
      { field: "trace-ctx" },
      `tracehop traceCarrierExtension: field must be a field name as a Prisma schema declares it (${names}, such as "traceContext"), got "trace-ctx"; for a column mapped with @map, pass its field's name`,
    ],
    [
      { models: { Outbox: "a\nb" } },
      `tracehop traceCarrierExtension: models.Outbox must be a field name as a Prisma schema declares it (${names}, such as "traceContext"), got "a\\nb"; for a column mapped with @map, pass its field's name`,
    ],
    [
      { models: { "": "c" } },
      `tracehop traceCarrierExtension: models has the key "", which is no model name: write the model's name as the schema declares it (${names}, such as "Outbox"); for a table mapped with @@map, its model's name`,
    ],
    [
      { models: { "Out\nbox": "traceContext" } },
      `tracehop traceCarrierExtension: models has the key "Out\\nbox", which is no model name: write the model's name as the schema declares it (${names}, such as "Outbox"); for a table mapped with @@map, its model's name`,
    ],
    [
      { models: ["Outbox", "_jobs"] },
      `tracehop traceCarrierExtension: models[1] must be a model name as the schema declares it (${names}, such as "Outbox"), got "_jobs"; for a table mapped with @@map, its model's name`,
    ],
  ];
  for (const [options, message] of cases)
    assert.throws(
      () => traceCarrierExtension(options as never),
      { name: "TypeError", message },
      JSON.stringify(options),
    );
  for (const options of [
    { field: "t_c" },
    { field: "té" },
    { models: { Événement: "trace2" } },
    { models: ["Outbox"] },
  ])
    assert.doesNotThrow(() => traceCarrierExtension(options), JSON.stringify(options));
});
