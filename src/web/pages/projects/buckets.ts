// A project's buckets on its page: the create form checked before a round trip (the name by the
// S3 rules the server applies, src/contracts/bucket-names.ts), the body it sends, and what the
// list shows of each bucket. Who may create or remove is the server's to say (`may`).
import type { BucketCreateBody, BucketView } from "../../../contracts/buckets.js";
import { brokenBucketNameRule, BUCKET_NAME_MAX_LENGTH, BUCKET_NAME_MIN_LENGTH, type BucketNameRule } from "../../../contracts/bucket-names.js";

export { BUCKET_NAME_MAX_LENGTH, BUCKET_NAME_MIN_LENGTH };

/** The create form as typed: text fields, checkboxes. */
export interface BucketFields {
  readonly name: string;
  readonly sizeGiB: string;
  /** "" lets Plateau place it. */
  readonly platform: string;
  readonly versioning: boolean;
  /** "" never expires. */
  readonly expireDays: string;
  /** "" no replica. */
  readonly replica: string;
}

export const emptyBucketFields: BucketFields = { name: "", sizeGiB: "", platform: "", versioning: false, expireDays: "", replica: "" };

export type BucketFieldProblem =
  `name.${BucketNameRule}` | "name.empty" | "size.number" | "size.range" | "expiry.integer" | "expiry.range" | "replica.same-platform";
export type BucketProblems = Partial<Record<"name" | "sizeGiB" | "expireDays" | "replica", BucketFieldProblem>>;

// The contract's bounds (contracts/buckets.ts BucketCreateBody).
export const SIZE_MAX_GIB = 1_000_000;
export const EXPIRY_MAX_DAYS = 36_500;

export function bucketNameProblem(name: string): BucketFieldProblem | undefined {
  if (name === "") return "name.empty";
  const rule = brokenBucketNameRule(name);
  return rule ? `name.${rule}` : undefined;
}

const decimal = (text: string): number | undefined => {
  const trimmed = text.trim().replace(",", ".");
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
};

/** The body to send, or the problems of the fields (each names its rule). */
export function bucketCreateBody(fields: BucketFields): { body: BucketCreateBody } | { problems: BucketProblems } {
  const problems: BucketProblems = {};
  const nameProblem = bucketNameProblem(fields.name);
  if (nameProblem) problems.name = nameProblem;
  let sizeGiB: number | undefined;
  if (fields.sizeGiB.trim() !== "") {
    sizeGiB = decimal(fields.sizeGiB);
    if (sizeGiB === undefined) problems.sizeGiB = "size.number";
    else if (sizeGiB <= 0 || sizeGiB > SIZE_MAX_GIB) problems.sizeGiB = "size.range";
  }
  let expireDays: number | undefined;
  if (fields.expireDays.trim() !== "") {
    const trimmed = fields.expireDays.trim();
    expireDays = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
    if (expireDays === undefined) problems.expireDays = "expiry.integer";
    else if (expireDays < 1 || expireDays > EXPIRY_MAX_DAYS) problems.expireDays = "expiry.range";
  }
  if (fields.replica !== "" && fields.replica === fields.platform) problems.replica = "replica.same-platform";
  if (Object.keys(problems).length > 0) return { problems };
  return {
    body: {
      name: fields.name,
      ...(fields.platform ? { platform: fields.platform } : {}),
      ...(sizeGiB !== undefined ? { sizeGiB } : {}),
      ...(fields.versioning ? { versioning: true } : {}),
      ...(expireDays !== undefined ? { expireDays } : {}),
      ...(fields.replica ? { replica: fields.replica } : {}),
    },
  };
}

export const GIB = 1024 ** 3;

/** What the usage bar shows: GiB used of the quota, and the objects; undefined when the server does not know. */
export function bucketUsage(
  bucket: Pick<BucketView, "usage" | "quota">,
): { usedGiB: number; limitGiB: number; objects: number; objectLimit: number | null } | undefined {
  if (!bucket.usage) return undefined;
  return { usedGiB: bucket.usage.bytes / GIB, limitGiB: bucket.quota.sizeGiB, objects: bucket.usage.objects, objectLimit: bucket.quota.objects };
}

/** Buckets in motion (being made, their replica being set up) are read again soon. */
export const bucketsInMotion = (buckets: readonly Pick<BucketView, "status" | "replica">[]): boolean =>
  buckets.some((bucket) => bucket.status === "pending" || bucket.replica?.state === "pending");

/** The buckets by name, as the list shows them. */
export const sortedBuckets = <B extends Pick<BucketView, "name">>(buckets: readonly B[]): B[] => [...buckets].sort((a, b) => a.name.localeCompare(b.name));

/**
 * Whether the launch form offers "attach a bucket": a built-in template's detail says it can use
 * one (`s3`, ADR 0031). A chart's form says nothing of it: charts are not offered the choice.
 */
export function canAttachBucket(detail: object | undefined): boolean {
  return detail !== undefined && "s3" in detail && detail.s3 === true;
}

const BYTE_UNITS = { en: ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], fr: ["o", "Kio", "Mio", "Gio", "Tio", "Pio"] } as const;

/** A number of bytes in binary units, as the reader's language writes them (1.5 GiB, 1,5 Gio). */
export function formatBytes(bytes: number, language: "en" | "fr"): string {
  const units = BYTE_UNITS[language];
  let value = Math.max(bytes, 0);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number} ${units[unit]}`;
}
