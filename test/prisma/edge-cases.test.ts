/**
 * tracehop/prisma on the edge-case schema (test/fixtures/prisma-edge/schema.prisma): models whose own
 * fields are named like Prisma's nested-write keys, a required carrier, a carrier with a default.
 * Every case runs on a SQLite file, a PostgreSQL schema and a MariaDB database (test/prisma/databases.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { updateShape, type FieldShape } from "../../src/prisma/carrier-writes.js";
import { requiredOnCreate, schemaModelFields } from "../../src/prisma/schema-text.js";
import { databaseFixture, PROVIDERS, type Provider } from "./databases.js";
import { EDGE } from "./edge-schema.js";
import { assertCarrierOf, inSpan, throwingPropagator } from "./tracing.js";

/** Asserts that `carrier` is the empty carrier, and that it restores no trace. */
function assertEmptyCarrier(carrier: unknown) {
  assert.deepEqual(carrier, {});
  assert.equal(trace.getSpanContext(contextFromCarrier(carrier as Record<string, string>)), undefined);
}

/** Runs `fn` with no active span. */
const untraced = <T>(fn: () => T): T => context.with(ROOT_CONTEXT, fn);

function edgeSuite(provider: Provider) {
  describe(`traceCarrierExtension on the edge-case schema, ${provider}`, () => {
    let base: any;
    let db: any;
    let capturing: any;
    const { need } = databaseFixture(provider, EDGE, (opened) => {
      base = opened.client;
      db = base.$extends(traceCarrierExtension());
      capturing = base.$extends(traceCarrierExtension({ onUpdate: "capture" }));
    });

    test("nested to-one update on a model with scalars data, where, create, update: the { where?, data } wrapper and the row are told apart", async (t) => {
      if (!need(t)) return;
      const parent = await base.parent.create({ data: { name: "p", profile: { create: { data: "d0" } } } });
      const update = (profile: unknown) =>
        capturing.parent.update({ where: { id: parent.id }, data: { profile: { update: profile } } });
      const read = () => base.profile.findUniqueOrThrow({ where: { parentId: parent.id } });

      const s1 = await inSpan("wrapper with where", async (span) => {
        await update({ where: { data: "d0" }, data: { data: "d1", where: "w1" } });
        return span;
      });
      let profile = await read();
      assert.equal(profile.data, "d1");
      assert.equal(profile.where, "w1");
      assertCarrierOf(profile.traceContext, s1);

      const s2 = await inSpan("wrapper without where", async (span) => {
        await update({ data: { data: "d2", create: "c2", update: "u2" } });
        return span;
      });
      profile = await read();
      assert.deepEqual([profile.data, profile.create, profile.update], ["d2", "c2", "u2"]);
      assertCarrierOf(profile.traceContext, s2);

      const s3 = await inSpan("row", async (span) => {
        await update({ data: "d3" });
        return span;
      });
      profile = await read();
      assert.equal(profile.data, "d3");
      assertCarrierOf(profile.traceContext, s3);

      const s4 = await inSpan("row with an operation and a scalar named where", async (span) => {
        await update({ data: { set: "d4" }, where: "w4", create: "c4" });
        return span;
      });
      profile = await read();
      assert.deepEqual([profile.data, profile.where, profile.create], ["d4", "w4", "c4"]);
      assertCarrierOf(profile.traceContext, s4);
    });

    test("nested to-many update and updateMany on a model with scalars data and where: the { where, data } items", async (t) => {
      if (!need(t)) return;
      const parent = await base.parent.create({
        data: { name: "p", items: { create: [{ label: "a" }, { label: "b" }] } },
        include: { items: { orderBy: { id: "asc" } } },
      });
      const [a, b] = parent.items;
      const s1 = await inSpan("update", async (span) => {
        await capturing.parent.update({
          where: { id: parent.id },
          data: { items: { update: [{ where: { id: a.id }, data: { data: "x", where: "y" } }] } },
        });
        return span;
      });
      const s2 = await inSpan("updateMany", async (span) => {
        await capturing.parent.update({
          where: { id: parent.id },
          data: { items: { updateMany: { where: { id: b.id }, data: { where: "z" } } } },
        });
        return span;
      });
      const [ra, rb] = await base.item.findMany({ where: { parentId: parent.id }, orderBy: { id: "asc" } });
      assert.deepEqual([ra.data, ra.where, rb.where], ["x", "y", "z"]);
      assertCarrierOf(ra.traceContext, s1);
      assertCarrierOf(rb.traceContext, s2);
    });

    test("nested upsert and connectOrCreate on a model with scalars create, update, where keep Prisma's one shape", async (t) => {
      if (!need(t)) return;
      const p1 = await base.parent.create({ data: { name: "upsert" } });
      const p2 = await base.parent.create({ data: { name: "connectOrCreate" } });
      const upsert = () =>
        capturing.parent.update({
          where: { id: p1.id },
          data: {
            profile: {
              upsert: {
                create: { data: "c", create: "c", update: "c", where: "c" },
                update: { update: "u", where: "u" },
              },
            },
          },
        });
      const created = await inSpan("upsert creates", async (span) => (await upsert(), span));
      let profile = await base.profile.findUniqueOrThrow({ where: { parentId: p1.id } });
      assert.deepEqual([profile.create, profile.update, profile.where], ["c", "c", "c"]);
      assertCarrierOf(profile.traceContext, created);
      const updated = await inSpan("upsert updates", async (span) => (await upsert(), span));
      profile = await base.profile.findUniqueOrThrow({ where: { parentId: p1.id } });
      assert.deepEqual([profile.create, profile.update, profile.where], ["c", "u", "u"]);
      assertCarrierOf(profile.traceContext, updated);

      const coc = await inSpan("connectOrCreate", async (span) => {
        await db.parent.update({
          where: { id: p2.id },
          data: {
            profile: { connectOrCreate: { where: { parentId: p2.id }, create: { create: "k", where: "k" } } },
          },
        });
        return span;
      });
      profile = await base.profile.findUniqueOrThrow({ where: { parentId: p2.id } });
      assert.equal(profile.where, "k");
      assertCarrierOf(profile.traceContext, coc);
    });

    test("a Json scalar named data: { data: {...} } fits both readings, so it is sent as given and means what it means without the extension", async (t) => {
      if (!need(t)) return;
      const create = (name: string) =>
        base.parent.create({ data: { name, doc: { create: { data: { v: 0 } } } } });
      const [plain, traced] = [await create("plain"), await create("traced")];
      const value = { data: { data: 5 } };
      await base.parent.update({ where: { id: plain.id }, data: { doc: { update: value } } });
      await inSpan("ambiguous", () =>
        capturing.parent.update({ where: { id: traced.id }, data: { doc: { update: value } } }),
      );
      const expected = await base.doc.findUniqueOrThrow({ where: { parentId: plain.id } });
      const got = await base.doc.findUniqueOrThrow({ where: { parentId: traced.id } });
      assert.deepEqual(got.data, expected.data);
      assert.equal(got.traceContext, null);
    });

    test("a required carrier gets {} when there is no trace: create, createMany, upsert, nested create, createMany, connectOrCreate, upsert", async (t) => {
      if (!need(t)) return;
      const parent = await base.parent.create({
        data: { name: "p", items: { create: { label: "i" } } },
        include: { items: true },
      });
      const itemId: number = parent.items[0].id;
      const tags = (label: string) => base.tag.findMany({ where: { label } });
      await untraced(async () => {
        await db.tag.create({ data: { itemId, label: "create" } });
        await db.tag.createMany({
          data: [
            { itemId, label: "createMany" },
            { itemId, label: "createMany" },
          ],
        });
        if (provider !== "mysql")
          await db.tag.createManyAndReturn({ data: [{ itemId, label: "createManyAndReturn" }] });
        await db.tag.upsert({ where: { id: -1 }, create: { itemId, label: "upsert" }, update: {} });
        await db.item.update({
          where: { id: itemId },
          data: {
            tags: {
              create: { label: "nested create" },
              createMany: { data: [{ label: "nested createMany" }] },
              connectOrCreate: { where: { id: -1 }, create: { label: "nested connectOrCreate" } },
              upsert: { where: { id: -2 }, create: { label: "nested upsert" }, update: {} },
            },
          },
        });
        await db.parent.create({
          data: { name: "deep", items: { create: { label: "deep", tags: { create: [{ label: "deep" }] } } } },
        });
      });
      const labels = [
        "create",
        "createMany",
        "upsert",
        "nested create",
        "nested createMany",
        "nested connectOrCreate",
        "nested upsert",
        "deep",
      ];
      if (provider !== "mysql") labels.push("createManyAndReturn");
      for (const label of labels) {
        const rows = await tags(label);
        assert.ok(rows.length > 0, label);
        for (const row of rows) assertEmptyCarrier(row.traceContext);
      }
      // An optional carrier stays NULL, a carrier with a default gets its default.
      const deep = await base.parent.findFirstOrThrow({ where: { name: "deep" } });
      assert.equal(deep.traceContext, null);
      const note = await untraced(() => db.note.create({ data: { text: "n" } }));
      assert.deepEqual(note.traceContext, { origin: "default" });
    });

    test("a required carrier: a failed capture writes {}, an active span writes its carrier, an explicit value wins", async (t) => {
      const d = need(t);
      if (!d) return;
      const failing = d.client.$extends(traceCarrierExtension({ propagator: throwingPropagator }));
      const parent = await base.parent.create({
        data: { name: "p", items: { create: { label: "i" } } },
        include: { items: true },
      });
      const itemId: number = parent.items[0].id;
      const { failed, many, traced, span } = await inSpan("writer", async (span) => ({
        span,
        failed: await failing.tag.create({ data: { itemId } }),
        many: await failing.item.create({
          data: { label: "m", parentId: parent.id, tags: { createMany: { data: [{}, {}] } } },
          include: { tags: true },
        }),
        traced: await db.tag.create({ data: { itemId } }),
      }));
      assertEmptyCarrier(failed.traceContext);
      for (const tag of many.tags) assertEmptyCarrier(tag.traceContext);
      assertCarrierOf(traced.traceContext, span);
      const mine = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
      const explicit = await untraced(() => db.tag.create({ data: { itemId, traceContext: mine } }));
      assert.deepEqual(explicit.traceContext, mine);
    });

    test("a context manager that throws, or answers no context, fails no write: a required carrier gets {}, an optional one stays NULL", async (t) => {
      if (!need(t)) return;
      const parent = await base.parent.create({
        data: { name: "p", items: { create: { label: "i" } } },
        include: { items: true },
      });
      const itemId: number = parent.items[0].id;
      // The registered context manager (AsyncLocalStorage), broken for the writes, then restored.
      const manager = (
        context as unknown as { _getContextManager(): { active(): unknown } }
      )._getContextManager();
      const active = manager.active;
      const broken: [string, () => unknown][] = [
        [
          "throws",
          () => {
            throw new Error("context manager broken on purpose");
          },
        ],
        ["no context", () => undefined],
      ];
      for (const [how, answer] of broken) {
        const label = `context manager ${how}`;
        manager.active = answer;
        try {
          await db.tag.create({ data: { itemId, label } });
          await db.tag.createMany({ data: [{ itemId, label }] });
          await db.tag.upsert({ where: { id: -1 }, create: { itemId, label }, update: {} });
          await db.item.update({ where: { id: itemId }, data: { tags: { create: { label } } } });
          await db.parent.create({
            data: { name: label, items: { create: { label, tags: { create: [{ label }] } } } },
          });
        } finally {
          manager.active = active;
        }
        const tags = await base.tag.findMany({ where: { label } });
        assert.equal(tags.length, 5, how);
        for (const tag of tags) assertEmptyCarrier(tag.traceContext);
        const written = await base.parent.findFirstOrThrow({
          where: { name: label },
          include: { items: true },
        });
        assert.equal(written.traceContext, null);
        assert.equal(written.items[0].traceContext, null);
      }
    });
  });
}

for (const provider of PROVIDERS) edgeSuite(provider);

describe("the shapes of nested writes and of the schema, without a database", () => {
  test("updateShape: the wrapper, the row, and neither when both readings fit or none does", () => {
    const profile = new Map<string, FieldShape>([
      ["id", "scalar"],
      ["data", "scalar"],
      ["where", "scalar"],
      ["traceContext", "json"],
      ["parent", "relation"],
    ]);
    assert.equal(updateShape(profile, { where: { id: 1 }, data: { data: "x" } }), "wrapper");
    assert.equal(updateShape(profile, { data: { where: "w" } }), "wrapper");
    assert.equal(updateShape(profile, { data: "x" }), "row");
    assert.equal(updateShape(profile, { data: { set: "x" }, where: "w" }), "row");
    assert.equal(updateShape(profile, { parent: { update: { name: "n" } } }), "row");
    assert.equal(updateShape(profile, {}), "row");
    assert.equal(updateShape(profile, { data: new Date(0) }), "row");
    assert.equal(updateShape(profile, { data: { data: "x" }, other: 1 }), undefined);
    const doc = new Map<string, FieldShape>([
      ["data", "json"],
      ["traceContext", "json"],
    ]);
    assert.equal(updateShape(doc, { data: { data: 5 } }), undefined);
    assert.equal(updateShape(doc, { data: 5 }), "row");
    assert.equal(updateShape(undefined, { data: { data: 5 } }), undefined);
  });

  test("schemaModelFields reads optional, list and @default from the schema text", () => {
    const fields = schemaModelFields(`
      // model Commented { x Json }
      model Job { // the job
        id    String @id @default(uuid())
        a     Json          // required
        b     Json?
        c     Json   @default("{\\"url\\":\\"http://x//y\\"}")
        d     Json[]
        e     Json   @map("e_col") // @default(x) only in a comment
        @@index([id])
      }
      enum Color {
        red
      }
      view V {
        z Json
      }
      model Other {
        carrier Json @db.JsonB
      }
    `);
    assert.deepEqual([...fields.keys()], ["Job", "Other"]);
    const job = fields.get("Job")!;
    assert.deepEqual(
      ["a", "b", "c", "d", "e"].map((name) => requiredOnCreate(job.get(name))),
      [true, false, false, false, true],
    );
    assert.equal(requiredOnCreate(fields.get("Other")!.get("carrier")), true);
    assert.equal(requiredOnCreate(job.get("missing")), false);
  });
});
