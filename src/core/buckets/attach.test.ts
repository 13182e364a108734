import { describe, expect, it } from "vitest";
import { ConflictError, InputError } from "../errors.js";
import { API_VERSION, type BucketDocument, type InstanceDocument, type PlatformDocument } from "../model.js";
import { place } from "../placement/place.js";
import { localPlatform, openshiftPlatform } from "../testing/fixtures.js";
import { assertBucketUnused, attachment, instancesUsingBucket, instancesUsingProjectKey, placementOfBucket, type AttachmentInput } from "./attach.js";

const bucket = (name: string, platform: string): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project: "demo", createdAt: "2026-12-01T09:00:00.000Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 1 } },
  placement: { platform, reason: "test" },
});
const rgwPlatform: PlatformDocument = { ...localPlatform, spec: { ...localPlatform.spec, s3: { provider: "rgw-admin" } } };
const noobaaPlatform: PlatformDocument = { ...openshiftPlatform, spec: { ...openshiftPlatform.spec, s3: { provider: "noobaa" } } };
const ENDPOINT = { url: "http://127.0.0.1:7480", region: "us-east-1", pathStyle: true };

const input = (overrides: Partial<AttachmentInput> = {}): AttachmentInput => ({
  project: "demo",
  asked: "data",
  bucket: bucket("data", "local"),
  platform: rgwPlatform,
  endpoint: ENDPOINT,
  use: "env",
  ...overrides,
});
const issueOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.issues[0];
    throw error;
  }
  throw new Error("not refused");
};

describe("attachment", () => {
  it("records an rgw-admin bucket with where clients reach it, and a NooBaa one with its platform only", () => {
    expect(attachment(input())).toEqual({
      name: "data",
      platform: "local",
      provider: "rgw-admin",
      endpoint: ENDPOINT.url,
      region: "us-east-1",
      pathStyle: true,
    });
    expect(attachment(input({ bucket: bucket("data", "okd"), platform: noobaaPlatform, endpoint: undefined }))).toEqual({
      name: "data",
      platform: "okd",
      provider: "noobaa",
    });
  });

  it("says the same of a bucket the project does not have, whoever else has one of that name", () => {
    const issue = issueOf(() => attachment(input({ asked: "elsewhere", bucket: undefined })));
    expect(issue).toEqual({ pointer: "/bucket", rule: "bucket", message: 'project demo has no bucket named "elsewhere"' });
  });

  it("refuses a source that cannot use a bucket, a chart on a NooBaa bucket, and a NooBaa bucket pinned elsewhere", () => {
    expect(issueOf(() => attachment(input({ use: undefined })))).toMatchObject({ rule: "s3-capability" });
    const noobaa = { bucket: bucket("data", "okd"), platform: noobaaPlatform, endpoint: undefined };
    expect(issueOf(() => attachment(input({ ...noobaa, use: "chart" })))).toMatchObject({ rule: "noobaa-chart" });
    expect(issueOf(() => attachment(input({ ...noobaa, pinned: "local" })))).toMatchObject({ rule: "bucket-platform" });
    expect(attachment(input({ ...noobaa, pinned: "okd" })).platform).toBe("okd");
    // An rgw-admin bucket is reached over HTTP from anywhere: any platform may be pinned.
    expect(attachment(input({ pinned: "okd" })).platform).toBe("local");
  });

  it("refuses a bucket whose platform no longer offers S3, or whose endpoint is unknown", () => {
    expect(issueOf(() => attachment(input({ platform: localPlatform })))).toMatchObject({ rule: "bucket" });
    expect(issueOf(() => attachment(input({ endpoint: undefined })))).toMatchObject({ rule: "bucket" });
  });

  it("keeps a NooBaa bucket's instances on its platform, with the reason; an rgw-admin one anywhere", () => {
    const candidates = [localPlatform, { ...openshiftPlatform, spec: { ...openshiftPlatform.spec, engine: "podman" as const } }].map((platform) => ({
      platform,
      supported: true,
      available: true,
    }));
    const placed = place({ bucket: placementOfBucket({ name: "data", platform: "okd", provider: "noobaa" }) ?? { name: "", platform: "" } }, candidates);
    expect(placed.platform).toBe("okd");
    expect(placed.reasons).toEqual([{ code: "bucket", params: { name: "data", platform: "okd" } }]);
    expect(placed.excluded).toEqual([
      {
        platform: "local",
        code: "bucket-elsewhere",
        params: { bucket: "data", platform: "okd" },
        reason: "its bucket data is on okd, whose keys stay in that cluster",
      },
    ]);
    expect(placementOfBucket({ name: "data", platform: "local", provider: "rgw-admin", endpoint: ENDPOINT.url })).toBeUndefined();
  });
});

describe("instances using a bucket", () => {
  const intent = (project: string, name: string, bucketName?: string) =>
    ({
      metadata: { name, project, createdAt: "", createdBy: "alice" },
      spec: {
        template: "jupyter-notebook",
        templateVersion: "1.0.0",
        state: "running",
        values: {},
        ...(bucketName ? { bucket: { name: bucketName, platform: "local", provider: "rgw-admin" } } : {}),
      },
    }) as Pick<InstanceDocument, "metadata" | "spec">;

  it("names the project's instances attached to it, sorted", () => {
    const intents = [
      intent("demo", "zeta", "data"),
      intent("demo", "alpha", "data"),
      intent("demo", "other", "logs"),
      intent("demo", "plain"),
      intent("genomics", "g", "data"),
    ];
    expect(instancesUsingBucket(intents, "demo", "data")).toEqual(["alpha", "zeta"]);
    expect(instancesUsingBucket(intents, "demo", "none")).toEqual([]);
    // What a rotation of demo's key on local restarts: every instance attached to one of its rgw-admin buckets there.
    expect(instancesUsingProjectKey(intents, "demo", "local")).toEqual(["alpha", "other", "zeta"]);
    expect(instancesUsingProjectKey(intents, "demo", "okd")).toEqual([]);
  });

  it("refuses removing a bucket in use, naming the instances", () => {
    expect(() => assertBucketUnused("demo", "data", [])).not.toThrow();
    try {
      assertBucketUnused("demo", "data", ["alpha", "zeta"]);
      throw new Error("not refused");
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).message).toContain("alpha, zeta");
      expect(error).toMatchObject({ reason: "bucket-in-use", params: { project: "demo", bucket: "data", instances: "alpha, zeta" } });
    }
  });
});
