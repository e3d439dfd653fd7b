/**
 * `node --import tsx bench/sentences.ts` (about 30 s on a loaded 2-CPU machine): the example's splitSentences stays linear on text built against it: many fences never closed
 * (each one's closing fence is found in one pass over the text, not by reading the rest per fence). The
 * test (test/examples/sentences.test.ts) asserts the values; only this benchmark looks at the time, as the
 * project's rule says (tests assert values, timings are benchmarks'): the same text at n and 2n fences, the
 * median of three runs each, and their ratio (about 2 when linear, about 4 when quadratic).
 */
import { splitSentences } from "../examples/preprocess/sentences.js";
import { median, printTable } from "./harness.js";

/** One fence never closed and a line of two sentences, repeated. */
const FENCE = "```js\nOne. Two.\n";

/** Milliseconds of splitSentences on `text`, the median of `runs` runs. */
function timed(text: string, runs = 3): number {
  const took: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const sentences = splitSentences(text);
    took.push(performance.now() - started);
    if (sentences.length === 0) throw new Error("splitSentences gave nothing");
  }
  return median(took);
}

/** Times the three sizes and prints the table. */
export function benchSentences(): void {
  console.log("\n## splitSentences on fences never closed: n and 2n fences (median of 3 runs)\n");
  const rows: string[][] = [["fences", "characters", "median", "× the half"]];
  let previous: number | undefined;
  for (const fences of [10_000, 20_000, 40_000]) {
    const text = FENCE.repeat(fences);
    const ms = timed(text);
    rows.push([
      String(fences),
      String(text.length),
      `${ms.toFixed(1)} ms`,
      previous === undefined ? "" : (ms / previous).toFixed(2),
    ]);
    previous = ms;
  }
  printTable(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) benchSentences();
