// The rule for bucket names, shared by core, the CLI and the portal. A bucket's name is its S3
// name (ADR 0030), so it follows S3's rules for new buckets, restricted to what every client
// addresses the same way: no dots (a dotted name breaks virtual-host TLS), lowercase letters,
// digits and '-'. This file imports nothing.

export const BUCKET_NAME_MIN_LENGTH = 3;
export const BUCKET_NAME_MAX_LENGTH = 63;

/** Which of S3's rules a bucket name breaks, the first that it does; undefined when it is valid. */
export type BucketNameRule = "length" | "characters" | "edges" | "reserved-prefix" | "reserved-suffix";

const CHARACTERS = /^[a-z0-9-]+$/;
const EDGES = /^[a-z0-9](.*[a-z0-9])?$/;
// Prefixes and suffixes AWS S3 reserves (access points, Object Lambda, directory buckets, S3 Express).
const RESERVED_PREFIXES = ["xn--", "sthree-", "sthree-configurator", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"];

export function brokenBucketNameRule(name: string): BucketNameRule | undefined {
  if (name.length < BUCKET_NAME_MIN_LENGTH || name.length > BUCKET_NAME_MAX_LENGTH) return "length";
  if (!CHARACTERS.test(name)) return "characters";
  if (!EDGES.test(name)) return "edges";
  if (RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) return "reserved-prefix";
  if (RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return "reserved-suffix";
  return undefined;
}

const shown = (name: string): string => (name.length > 80 ? `${name.slice(0, 77)}...` : name);

/** The issue of a bucket name at `pointer` (its rule is the S3 rule it breaks), quoting it; undefined when it is valid. */
export function bucketNameIssue(pointer: string, name: string): { pointer: string; rule: string; message: string } | undefined {
  const rule = brokenBucketNameRule(name);
  if (!rule) return undefined;
  const why: Record<BucketNameRule, string> = {
    length: `must be ${BUCKET_NAME_MIN_LENGTH} to ${BUCKET_NAME_MAX_LENGTH} characters long (got ${name.length})`,
    characters: "may hold only lowercase letters, digits and '-' (S3 bucket names; dots are refused too: they break TLS, and IP-like names are dotted)",
    edges: "must start and end with a lowercase letter or a digit",
    "reserved-prefix": `must not start with ${RESERVED_PREFIXES.map((p) => `"${p}"`).join(", ")} (S3 reserves them)`,
    "reserved-suffix": `must not end with ${RESERVED_SUFFIXES.map((p) => `"${p}"`).join(", ")} (S3 reserves them)`,
  };
  return { pointer, rule: `s3-bucket-name/${rule}`, message: `"${shown(name)}" ${why[rule]}` };
}
