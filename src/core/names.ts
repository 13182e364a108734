import { nameIssue } from "../contracts/names.js";
import { InputError } from "./errors.js";

export { isValidName, NAME_MAX_LENGTH, nameProblem } from "../contracts/names.js";

/** Throws an InputError naming the field and the rule (`dns-label`) when the name is not valid. */
export function assertName(pointer: string, name: string): void {
  const issue = nameIssue(pointer, name);
  if (issue) throw InputError.field(issue.pointer, issue.rule, issue.message);
}

// Readable generated names, after mathematicians (the community this started with).
const ADJECTIVES = [
  "agile",
  "bold",
  "brave",
  "bright",
  "calm",
  "clever",
  "cosmic",
  "curious",
  "deft",
  "eager",
  "fair",
  "gentle",
  "happy",
  "jolly",
  "keen",
  "kind",
  "lucid",
  "merry",
  "nimble",
  "noble",
  "patient",
  "quick",
  "quiet",
  "rapid",
  "serene",
  "sharp",
  "sunny",
  "swift",
  "tidy",
  "vivid",
  "wise",
  "witty",
];
const SCIENTISTS = [
  "abel",
  "agnesi",
  "banach",
  "bernoulli",
  "borel",
  "cantor",
  "cartan",
  "cauchy",
  "chatelet",
  "darboux",
  "descartes",
  "euler",
  "fermat",
  "fourier",
  "galois",
  "germain",
  "godel",
  "hadamard",
  "hilbert",
  "hopper",
  "kovalevskaya",
  "lagrange",
  "laplace",
  "legendre",
  "lovelace",
  "noether",
  "pascal",
  "poincare",
  "riemann",
  "serre",
  "turing",
  "weil",
];

/**
 * A readable name such as `curious-noether-4k2`. `random` returns integers in [0, n):
 * the caller passes a real source of randomness (core stays deterministic under test).
 */
export function generateName(random: (n: number) => number): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const adjective = ADJECTIVES[random(ADJECTIVES.length)] ?? "brave";
  const scientist = SCIENTISTS[random(SCIENTISTS.length)] ?? "noether";
  let suffix = "";
  for (let i = 0; i < 3; i++) suffix += alphabet[random(alphabet.length)] ?? "x";
  return `${adjective}-${scientist}-${suffix}`;
}
