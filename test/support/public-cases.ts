// The public bug cases of ../shared/cases/public-bug-cases.json, copied verbatim into fixtures under
// test/fixtures by subject (cases-datadog.json, cases-restore.json, ...): one reader for the tests.
import { readFileSync } from "node:fs";

/** One public bug case as the shared file gives it (inputs and expected values vary by case). */
export interface PublicCase {
  id: string;
  source: string;
  category: string;
  input: Record<string, any>;
  expected: Record<string, any>;
  note?: string;
}

/**
 * The reader of the cases in `fixture` (a file name in test/fixtures, e.g. `cases-datadog.json`): the
 * case of an id, or an Error naming the id and the file when it is not there.
 */
export function publicCases(fixture: string): (id: string) => PublicCase {
  const cases = new Map(
    (
      JSON.parse(readFileSync(new URL(`../fixtures/${fixture}`, import.meta.url), "utf8")) as PublicCase[]
    ).map((c) => [c.id, c]),
  );
  return (id) => {
    const found = cases.get(id);
    if (!found) throw new Error(`case ${id} missing from test/fixtures/${fixture}`);
    return found;
  };
}
