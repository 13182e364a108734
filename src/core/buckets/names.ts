// Bucket names follow S3's rules (src/contracts/bucket-names.ts, shared with the CLI and the portal).
import { bucketNameIssue } from "../../contracts/bucket-names.js";
import { InputError } from "../errors.js";

export { bucketNameIssue, brokenBucketNameRule } from "../../contracts/bucket-names.js";

/** Throws an InputError naming the field and the S3 rule a bucket name breaks. */
export function assertBucketName(pointer: string, name: string): void {
  const issue = bucketNameIssue(pointer, name);
  if (issue) throw InputError.field(issue.pointer, issue.rule, issue.message);
}
