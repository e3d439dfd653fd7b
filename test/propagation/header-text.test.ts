// isPrintableAscii (src/propagation/header-text.ts) is one regular expression: every UTF-16 code unit,
// alone and inside printable text, against the character range it stands for (0x20-0x7E).
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPrintableAscii } from "../../src/propagation/header-text.js";

test("isPrintableAscii: true exactly when every code unit is 0x20-0x7E (the empty string included)", () => {
  assert.equal(isPrintableAscii(""), true);
  const wrong: string[] = [];
  for (let c = 0; c <= 0xffff; c++) {
    const printable = c >= 0x20 && c <= 0x7e;
    const char = String.fromCharCode(c);
    for (const text of [char, `a=${char}`, `${char}b`, `x${char}y`])
      if (isPrintableAscii(text) !== printable) wrong.push(`U+${c.toString(16).padStart(4, "0")}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(isPrintableAscii("dd=s:1\n"), false, "a trailing LF is not taken for the end of the text");
  assert.equal(isPrintableAscii("\ud800"), false, "a lone surrogate");
});
