/** `node bench/profile-summary.ts FILE.cpuprofile [N]`: the N functions with the most self time. */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const [file, count = "25"] = process.argv.slice(2);
if (!file) throw new Error("usage: node bench/profile-summary.ts FILE.cpuprofile [N]");
const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  const where = frame.url.replace(/^.*\/(node_modules\/|src\/)/, "$1");
  const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count)))
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
