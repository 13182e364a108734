import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/support/random.js";
import { emitYaml } from "./yaml-emit.js";
import { toYaml } from "./yaml.js";

/** The serializer Plateau used before its own emitter: the oracle whose bytes it must keep. */
const oracle = (value: unknown): string =>
  stringify(value, { sortMapEntries: true, aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0, indent: 2, version: "1.2" });
const parsed = (text: string): unknown => parse(text, { version: "1.2", uniqueKeys: true });
const readsBack = (text: string, value: unknown): boolean => {
  try {
    expect(parsed(text)).toEqual(value);
    return true;
  } catch {
    return false;
  }
};

/** The emitter's bytes are the oracle's, but where the oracle's did not read back as the value; and YAML reads them back as the value. */
function expectSameOrFixed(input: unknown): "same" | "fixed" {
  const text = emitYaml(input);
  expect(parsed(text), `${JSON.stringify(input)} → ${JSON.stringify(text)}`).toEqual(input);
  const before = oracle(input);
  if (text === before) return "same";
  expect(readsBack(before, input), `${JSON.stringify(input)}: ${JSON.stringify(text)} differs from ${JSON.stringify(before)}, which read back`).toBe(false);
  return "fixed";
}

/** Characters YAML treats specially anywhere in a scalar, and some it does not. */
const CHARACTERS = [
  ..."-?:,[]{}#&*!|>'\"%@`~=<+._/\\ \t\n\n\r",
  "\x00",
  "\x07",
  "\x1b",
  "\x7f",
  "\x85",
  "\xa0",
  "\u2028",
  "\ud800",
  "é",
  "😀",
  ..."aexoAEXO019",
];
/** Whole texts the core schema reads as something else, or that sit on a quoting rule's edge. */
const WORDS = [
  ...["yes", "no", "on", "off", "y", "n", "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "tRUE"],
  ...["0x1F", "0o17", "0755", "1e3", "1E-3", "+1", "-1", "1.", ".5", "1.5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "0x", "0o8", "1_000", "12:30"],
  ...["", "-", "?", ":", "---", "...", "--- x", "...x", "%YAML", "- a", "? a", "a: b", "a:b", "a #b", "a#b", " lead", "trail ", "a:", "<<", "=", "@x", "`x"],
  ...[
    "http://example.org/a?b=c#d",
    "--port=3000",
    "--title=Lab: results",
    "#1",
    "it's",
    'say "hi"',
    `both ' and "`,
    "été",
    "a\nb",
    "a\n\nb\n",
    "\n",
    " \n",
    "x\n ",
  ],
];

function generator(seed: number) {
  const next = seededRandom(seed);
  const integer = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[integer(items.length)] as T;
  const text = (): string => {
    const parts = Array.from({ length: integer(6) }, () => (next() < 0.3 ? pick(WORDS) : pick(CHARACTERS)));
    // Sometimes long enough for the rules that depend on length (double-quoted line breaks at 40, explicit keys past 1024).
    if (next() < 0.05) parts.push("long text with a line break\nand more ".repeat(next() < 0.2 ? 30 : 2));
    return parts.join("");
  };
  const numbers = [0, -0, 1, -1, 42, 1.5, -2.25, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, 0.1 + 0.2];
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth > 3 || roll < 0.45) return next() < 0.6 ? (next() < 0.5 ? pick(WORDS) : text()) : pick([...numbers, true, false, null]);
    if (roll < 0.7) return Array.from({ length: integer(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: integer(5) }, () => [next() < 0.5 ? pick(WORDS) : text(), value(depth + 1)]));
  };
  return { value, text };
}

describe("emitYaml", () => {
  it("writes the very bytes yaml.stringify wrote, and YAML reads back the same value, for generated values", () => {
    const { value } = generator(12);
    const outcomes = { same: 0, fixed: 0 };
    for (let i = 0; i < 4000; i++) outcomes[expectSameOrFixed({ root: value(0), [`key-${i}`]: value(1) })]++;
    // Nearly all the same bytes (these strings are far more often blank-lined than real ones); the fixed are blocks with lines of only spaces.
    expect(outcomes.same).toBeGreaterThan(3800);
    expect(outcomes.fixed).toBeGreaterThan(0);
  });

  it("writes every word and character, alone and as a key, in lists and at the top, as yaml.stringify did", () => {
    for (const word of [...WORDS, ...CHARACTERS]) {
      for (const input of [word, [word], { [word]: word }, { a: { [word]: [word, { [word]: null }] } }]) expectSameOrFixed(input);
    }
  });

  it("writes strings at the top of a document as yaml.stringify did", () => {
    const { text } = generator(7);
    for (let i = 0; i < 2000; i++) expectSameOrFixed(text());
  });

  it("writes double-quoted the blocks that yaml.stringify wrote wrong: a line of only spaces, a block at the top starting with a space", () => {
    expect(oracle({ a: " \n" })).toBe("a: |+\n   \n"); // reads back as "\n"
    expect(emitYaml({ a: " \n" })).toBe('a: "\\ \\n"\n');
    expect(emitYaml({ a: "x\n  \ny" })).toBe(oracle({ a: "x\n  \ny" })); // a line of spaces that reads back: the same bytes
    expect(oracle(" a\n0")).toBe("|1-\n a\n0\n"); // not YAML
    expect(emitYaml(" a\n0")).toBe('" a\\n0"\n');
    expect(emitYaml("a\n0")).toBe(oracle("a\n0")); // a block at the top that reads back: the same bytes
  });

  it("writes numbers as yaml.stringify did: -0, exponents, .nan and .inf", () => {
    for (const input of [0, -0, 1e21, -1e-7, NaN, Infinity, -Infinity, 12345678901234567890n, { n: -0, m: [1e21, NaN] }]) {
      expect(emitYaml(input)).toBe(oracle(input));
    }
    expect(emitYaml({ n: -0, big: 1e21, nan: NaN, inf: -Infinity })).toBe("big: 1e+21\ninf: -.inf\nn: -0\nnan: .nan\n");
    expect(Object.is((parsed(emitYaml({ n: -0 })) as { n: number }).n, -0)).toBe(true);
  });

  it("drops undefined members of maps and writes undefined items as null; toJSON, empty collections and sets as yaml.stringify did", () => {
    const input = {
      gone: undefined,
      list: [undefined, null, [], {}, [[]], [{}], new Set(["b", "a"])],
      when: new Date(Date.UTC(2026, 0, 2)),
      empty: {},
      none: [],
      nested: { deeper: { list: [{ a: 1, b: [1, 2] }, "x"] } },
    };
    expect(emitYaml(input)).toBe(oracle(input));
    expect(emitYaml(input)).toContain("list:\n  - null\n  - null\n  - []\n  - {}\n  - - []\n  - - {}\n  - - b\n    - a\n");
  });

  it("sorts keys by UTF-16 code units, as yaml.stringify did", () => {
    const input = { b: 1, a: 2, B: 3, "10": 4, "9": 5, é: 6, "😀": 7, "\uffff": 8, _: 9 };
    expect(emitYaml(input)).toBe(oracle(input));
  });

  it("writes a key longer than 1024 characters as an explicit key", () => {
    const key = "k".repeat(1030);
    for (const input of [{ [key]: "v" }, { [key]: { a: 1 } }, { [key]: [] }, { a: { [key]: ["x"] } }]) expect(emitYaml(input)).toBe(oracle(input));
    expect(emitYaml({ [key]: "v" })).toBe(`? ${key}\n: v\n`);
  });

  it("refuses what is not data, as yaml.stringify did", () => {
    expect(() => emitYaml({ f: () => 1 })).toThrow(TypeError);
    expect(() => emitYaml({ m: new Map([["a", 1]]) })).toThrow(TypeError);
  });

  it("is what toYaml writes", () => {
    expect(toYaml({ b: "yes", a: ["on", "0x1F"] })).toBe('a:\n  - on\n  - "0x1F"\nb: yes\n');
  });
});
