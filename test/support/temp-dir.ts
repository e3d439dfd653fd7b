import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/**
 * A new folder `<os temp>/tracehop-<prefix>-XXXXXX`, removed with everything in it when test `t` ends
 * (passed or failed), so that a run of the suite leaves nothing in the temporary folder.
 */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tracehop-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
