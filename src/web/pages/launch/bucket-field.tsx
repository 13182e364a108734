// "Attach a bucket" on the launch form, for templates that can use one (ADR 30): the project's
// buckets to choose from, or a way to create one. The choice is the launch body's `bucket`.
import { useState } from "react";
import type { BucketList } from "../../../contracts/buckets.js";
import { ApiError, path } from "../../api.js";
import { ErrorNotice } from "../../components/notice.js";
import { Link } from "../../router.js";
import { useResource } from "../../use-resource.js";
import { sortedBuckets } from "../projects/buckets.js";
import type { T } from "./text.js";

/** The bucket chosen for the project shown: a choice made for another project does not follow it. */
export function useBucketChoice(project: string) {
  const [choice, setChoice] = useState<{ project: string; bucket: string }>({ project, bucket: "" });
  return { bucket: choice.project === project ? choice.bucket : "", choose: (bucket: string) => setChoice({ project, bucket }) };
}

export function BucketField({ project, bucket, onChoose, t }: { project: string; bucket: string; onChoose(bucket: string): void; t: T }) {
  const buckets = useResource<BucketList>(path`/projects/${project}/buckets`);
  const items = sortedBuckets(buckets.data?.items ?? []);
  // One's personal project exists from one's first launch: until then it has no bucket, and no page to create one on.
  const missing = buckets.error instanceof ApiError && buckets.error.status === 404;
  return (
    <div className="field">
      <label htmlFor="launch-bucket">{t("bucket")}</label>
      <select id="launch-bucket" value={bucket} aria-describedby="launch-bucket-help" onChange={(e) => onChoose(e.target.value)}>
        <option value="">{t("noBucket")}</option>
        {items.map((item) => (
          <option key={item.name} value={item.name}>
            {t("bucketOption", { bucket: item.name, platform: item.platform })}
          </option>
        ))}
      </select>
      <p className="help" id="launch-bucket-help">
        {t("bucketHelp")}
      </p>
      {((buckets.data && items.length === 0) || missing) && (
        <p className="small no-buckets">
          {t("noBuckets", { project })} {!missing && <Link to={path`/projects/${project}`}>{t("createBucket")}</Link>}
        </p>
      )}
      {!missing && <ErrorNotice error={buckets.error} onRetry={() => void buckets.reload()} />}
    </div>
  );
}
