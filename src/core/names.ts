import { InputError } from "./errors.js";

/**
 * Project and instance names become Kubernetes namespaces, object names and DNS labels
 * (`<instance>.<project>.<domain>`). They must be DNS-1123 labels; we also require a
 * leading letter (Service names are DNS-1035 labels) and keep them short enough that
 * derived names (`<instance>-<component>-<volume>`) stay within 63 characters.
 */
export const NAME_MAX_LENGTH = 30;
const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters (got ${name.length})`;
  if (!LABEL.test(name)) return "must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";
  return undefined;
}

export function assertName(pointer: string, name: string): void {
  const problem = nameProblem(name);
  if (problem) throw InputError.field(pointer, "dns-label", `"${truncate(name)}" ${problem}`);
}

export const isValidName = (name: string): boolean => nameProblem(name) === undefined;

function truncate(text: string): string {
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}

/** `demo/hello` → { project: "demo", instance: "hello" }, with both parts validated. */
export function parseInstanceRef(ref: string): { project: string; instance: string } {
  const parts = ref.split("/");
  if (parts.length !== 2) throw InputError.field("", "instance-ref", `"${truncate(ref)}" must be <project>/<instance>`);
  const [project, instance] = parts as [string, string];
  assertName("/project", project);
  assertName("/name", instance);
  return { project, instance };
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
