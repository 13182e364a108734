/// <reference types="vite/client" />
// eslint-disable-next-line no-restricted-imports -- the test reads the real CRDs from schemas/ to check what the pure renderer builds
import { loadCrds } from "../../adapters/schemas/crd-files.js";
import plmappsText from "../../../examples/community/platforms/plmapps.yaml?raw";
import plmoppText from "../../../examples/community/platforms/plmopp.yaml?raw";
import plmshiftText from "../../../examples/community/platforms/plmshift.yaml?raw";
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { API_VERSION, parsePlatform, type BucketDocument } from "../model.js";
import { fromYaml } from "../yaml.js";
import { createCrdValidator, type CrdValidator } from "./crd-validate.js";
import { isNoobaa, objectBucketClaimChanges, objectBucketClaimRemovals, renderObjectBucketClaim } from "./object-bucket-claim.js";

const community = [
  parsePlatform(plmappsText, "plmapps.yaml"),
  parsePlatform(plmoppText, "plmopp.yaml"),
  parsePlatform(plmshiftText, "plmshift.yaml"),
  parsePlatform(plmvshiftText, "plmvshift.yaml"),
];

const bucket = (platform: string, spec: Partial<BucketDocument["spec"]> = {}): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name: "demo-data", project: "demo", createdAt: "2026-12-06T00:00:00.000Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 10 }, ...spec },
  placement: { platform, reason: "requested by the user" },
});

let crds: CrdValidator;
beforeAll(async () => {
  crds = createCrdValidator(await loadCrds("schemas"));
});

describe("ObjectBucketClaims of noobaa platforms", () => {
  it("renders every bucket shape on every noobaa platform of the community, each valid against NooBaa's CRD", () => {
    const noobaa = community.filter(isNoobaa);
    expect(noobaa.map((platform) => platform.metadata.name).sort()).toEqual(["plmapps", "plmopp", "plmshift"]);
    const shapes: Partial<BucketDocument["spec"]>[] = [
      {},
      { quota: { sizeGiB: 0.5, objects: 1000 }, versioning: true, expireDays: 7 },
      { quota: { sizeGiB: 2500 } },
    ];
    let rendered = 0;
    for (const platform of noobaa) {
      const others = noobaa.filter((other) => other.spec.site !== platform.spec.site);
      for (const shape of [...shapes, ...others.map((other) => ({ replica: { platform: other.metadata.name } }))]) {
        const changes = objectBucketClaimChanges(bucket(platform.metadata.name, shape), community, crds);
        expect(changes.length).toBe(shape.replica ? 2 : 1);
        for (const change of changes) {
          if (!("content" in change)) throw new Error("a removal where a claim was expected");
          const object = fromYaml(change.content, change.path) as Parameters<CrdValidator["validate"]>[0][number];
          expect(() => crds.validate([object])).not.toThrow();
          rendered++;
        }
      }
    }
    expect(rendered).toBeGreaterThanOrEqual(12);
  });

  it("names the S3 bucket as git does, in the project's namespace, with the quota and the replication NooBaa reads", () => {
    const [plmshift, plmapps] = [community[2], community[0]];
    if (!plmshift || !plmapps) throw new Error("fixtures");
    const claim = renderObjectBucketClaim(bucket("plmshift", { quota: { sizeGiB: 0.5, objects: 10 }, replica: { platform: "plmapps" } }), plmshift, plmapps);
    expect(claim).toMatchObject({
      apiVersion: "objectbucket.io/v1alpha1",
      kind: "ObjectBucketClaim",
      metadata: { name: "demo-data", namespace: "demo", labels: { "app.kubernetes.io/managed-by": "plateau", "plateau.io/project": "demo" } },
      spec: { bucketName: "demo-data", storageClassName: "openshift-storage.noobaa.io" },
    });
    const config = (claim as unknown as { spec: { additionalConfig: Record<string, string> } }).spec.additionalConfig;
    expect(config.maxSize).toBe("512Mi");
    expect(config.maxObjects).toBe("10");
    expect(JSON.parse(config.replicationPolicy ?? "")).toEqual({
      rules: [{ rule_id: "demo-data-replica", destination_bucket: "demo-data", filter: { prefix: "" } }],
    });
    // A platform's own StorageClass wins over the default.
    const own = { ...plmshift, spec: { ...plmshift.spec, s3: { provider: "noobaa" as const, storageClass: "ocs-storagecluster.noobaa.io" } } };
    expect((renderObjectBucketClaim(bucket("plmshift"), own) as unknown as { spec: { storageClassName: string } }).spec.storageClassName).toBe(
      "ocs-storagecluster.noobaa.io",
    );
  });

  it("renders nothing for an rgw-admin bucket, and removes the claims of both sides", () => {
    expect(objectBucketClaimChanges(bucket("plmvshift"), community, crds)).toEqual([]);
    expect(objectBucketClaimRemovals(bucket("plmshift", { replica: { platform: "plmapps" } })).map((change) => change.path)).toEqual([
      "rendered/plmshift/demo/_buckets/objectbucketclaim-demo-data.yaml",
      "rendered/plmapps/demo/_buckets/objectbucketclaim-demo-data.yaml",
    ]);
  });

  it("is refused by the CRD when a claim breaks it (the check can fail)", () => {
    const [plmshift] = [community[2]];
    if (!plmshift) throw new Error("fixtures");
    const claim = renderObjectBucketClaim(bucket("plmshift"), plmshift);
    const broken = { ...claim, spec: { ...(claim as unknown as { spec: object }).spec, additionalConfig: { maxSize: 10 } } };
    expect(() => crds.validate([broken as typeof claim])).toThrow(InputError);
  });
});
