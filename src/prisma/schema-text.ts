/**
 * What the runtime data model of a Prisma 7 client leaves out (it lists each field's name, kind and
 * type only): whether a field is optional (`?`), a list (`[]`) or has a `@default`. The generated
 * client also carries its schema text (`inlineSchema`), from which this reads those modifiers.
 */

/** A field of a `model` block as written in the schema text. */
export interface SchemaField {
  type: string;
  optional: boolean;
  list: boolean;
  /** The field has a `@default(...)` attribute. */
  hasDefault: boolean;
}

/** `name Type`, `name Type?`, `name Type[]`, `name Unsupported("...")?` at the start of a field line. */
const FIELD_LINE =
  /^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_.]*|Unsupported\("(?:[^"\\]|\\.)*"\))(\[\])?(\?)?(.*)$/;
const MODEL_START = /^model\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{$/;

/**
 * The fields of every `model` block of a Prisma schema text (model name -> field name -> field), as
 * Prisma Schema Language writes them (Prisma docs, "Prisma schema reference": a field is
 * `name Type[?|[]] @attributes`, `//` starts a comment, `@@` a block attribute). Views, enums,
 * composite types and block attributes are skipped; a line it cannot read is skipped too, so a
 * field missing from the answer means "not known", never "optional".
 */
export function schemaModelFields(schema: string): Map<string, Map<string, SchemaField>> {
  const models = new Map<string, Map<string, SchemaField>>();
  let current: Map<string, SchemaField> | undefined;
  for (const raw of schema.split(/\r?\n/)) {
    const line = withoutComment(raw).trim();
    if (!line) continue;
    if (current === undefined) {
      const start = MODEL_START.exec(line);
      if (start) models.set(start[1]!, (current = new Map()));
      continue;
    }
    if (line.startsWith("}")) {
      current = undefined;
      continue;
    }
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    current.set(m[1]!, {
      type: m[2]!,
      list: m[3] !== undefined,
      optional: m[4] !== undefined,
      hasDefault: /(^|\s)@default\(/.test(m[5]!),
    });
  }
  return models;
}

/** `line` up to a `//` comment that is not inside a string literal (a `@default("a//b")`). */
function withoutComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}

/** A field Prisma requires in every create: not optional, not a list, no `@default`. */
export function requiredOnCreate(field: SchemaField | undefined): boolean {
  return field !== undefined && !field.optional && !field.list && !field.hasDefault;
}
