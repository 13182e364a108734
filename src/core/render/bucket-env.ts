// The environment an instance attached to a bucket gets (ADR 0031): the names Onyxia's services
// and the AWS tools read. The keys are never values here: they are references to a Secret, the
// instance's own `<instance>-generated` (rgw-admin: the project's key, handed over by the
// reconciler) or the Secret NooBaa makes for the bucket's claim in the project's namespace.
import { INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY } from "../buckets/key-store.js";
import type { InstanceBucket } from "../model.js";
import { generatedSecretName } from "./render.js";

/** The region S3 clients sign with when the platform names none (what RGW and NooBaa accept). */
export const DEFAULT_S3_REGION = "us-east-1";

export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } } }
  | { readonly name: string; readonly valueFrom: { readonly configMapKeyRef: { readonly name: string; readonly key: string } } };

/**
 * `host[:port]` of an endpoint, without its scheme: what Onyxia puts in `AWS_S3_ENDPOINT`, and
 * what its images (and `mc`, `s3fs`) expect there. The full URL is `AWS_ENDPOINT_URL`.
 */
export function endpointHost(url: string): string {
  return new URL(url).host;
}

/** The variables of an attached bucket, in order (a `$(VAR)` reads only those before it). */
export function bucketEnv(bucket: InstanceBucket, instance: string): EnvVar[] {
  if (bucket.provider === "noobaa") {
    // NooBaa's claim makes a Secret and a ConfigMap named as the bucket, in the project's namespace.
    const fromConfigMap = (name: string, key: string): EnvVar => ({ name, valueFrom: { configMapKeyRef: { name: bucket.name, key } } });
    const fromSecret = (name: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: bucket.name, key: name } } });
    return [
      fromConfigMap("BUCKET_HOST", "BUCKET_HOST"),
      fromConfigMap("BUCKET_PORT", "BUCKET_PORT"),
      fromSecret("AWS_ACCESS_KEY_ID"),
      fromSecret("AWS_SECRET_ACCESS_KEY"),
      // NooBaa's in-cluster S3 service serves TLS (the service-serving certificate) on BUCKET_PORT.
      { name: "AWS_S3_ENDPOINT", value: "$(BUCKET_HOST):$(BUCKET_PORT)" },
      { name: "AWS_ENDPOINT_URL", value: "https://$(BUCKET_HOST):$(BUCKET_PORT)" },
      fromConfigMap("AWS_DEFAULT_REGION", "BUCKET_REGION"),
      fromConfigMap("AWS_S3_BUCKET", "BUCKET_NAME"),
      { name: "AWS_S3_PATH_STYLE", value: "true" },
    ];
  }
  if (!bucket.endpoint) throw new Error(`invariant violated: the rgw-admin bucket ${bucket.name} attached has no endpoint`);
  const secret = generatedSecretName(instance);
  return [
    { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: secret, key: INSTANCE_S3_ACCESS_KEY_ID } } },
    { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: secret, key: INSTANCE_S3_SECRET_ACCESS_KEY } } },
    { name: "AWS_S3_ENDPOINT", value: endpointHost(bucket.endpoint) },
    { name: "AWS_ENDPOINT_URL", value: bucket.endpoint },
    { name: "AWS_DEFAULT_REGION", value: bucket.region ?? DEFAULT_S3_REGION },
    { name: "AWS_S3_BUCKET", value: bucket.name },
    { name: "AWS_S3_PATH_STYLE", value: bucket.pathStyle === false ? "false" : "true" },
  ];
}
