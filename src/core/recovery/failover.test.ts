import { describe, expect, it } from "vitest";
import { API_VERSION, type BucketDocument, type InstanceDocument, type PlatformDocument } from "../model.js";
import { attachmentOn, failedOverFrom, planFailback, planFailover, recoveryPlatformOf, type BackupPoint } from "./failover.js";

const platform = (name: string, spec: Partial<PlatformDocument["spec"]> = {}): PlatformDocument => ({
  apiVersion: API_VERSION,
  kind: "Platform",
  metadata: { name },
  spec: {
    title: name,
    engine: "argocd",
    infrastructure: { type: "openstack" },
    site: name === "plmopp" ? "lyon" : "paris",
    tier: "institutional",
    flavour: "openshift",
    domain: `apps.${name}.example.org`,
    ...spec,
  },
});
const plmapps = platform("plmapps", { s3: { provider: "noobaa" } });
const plmopp = platform("plmopp", { tier: "recovery", recoveryFor: "plmapps", s3: { provider: "rgw-admin", endpoint: "https://s3.plmopp.example.org/" } });
const PLATFORMS = [plmopp, plmapps];

const intent = (
  project: string,
  name: string,
  extra: Partial<InstanceDocument["spec"]> = {},
  placement = { platform: "plmapps", reason: "the only eligible platform" },
): InstanceDocument => ({
  apiVersion: API_VERSION,
  kind: "Instance",
  metadata: { name, project, createdAt: "2026-12-01T00:00:00.000Z", createdBy: "alice" },
  spec: { template: "static-site", templateVersion: "1.0.0", state: "running", values: {}, ...extra },
  placement,
});
const bucket = (project: string, name: string, replica?: string): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project, createdAt: "2026-12-01T00:00:00.000Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 1 }, ...(replica ? { replica: { platform: replica } } : {}) },
  placement: { platform: "plmapps", reason: "asked" },
});

const NOW = new Date("2026-12-06T12:00:00.000Z");
const backupOf = (hoursAgo: number, id: string): BackupPoint => ({
  id,
  platform: "plmapps",
  takenAt: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString(),
});

describe("the failover plan", () => {
  it("moves every instance to the recovery site, restored from its newest backup, with its RPO and the operator's reason; one without backup starts empty", () => {
    const steps = planFailover({
      failed: "plmapps",
      platforms: PLATFORMS,
      intents: [intent("physics", "wiki"), intent("astro", "site", { state: "stopped" })],
      backups: new Map([["physics/wiki", backupOf(3, "physics-20261206090000")]]),
      buckets: [],
      now: NOW,
      reason: "the Paris site is flooded",
      requester: "oscar",
    });
    expect(steps).toEqual([
      {
        kind: "move",
        project: "astro",
        instance: "site",
        from: "plmapps",
        to: "plmopp",
        rpoSeconds: null,
        placementReason: "failover from plmapps: the Paris site is flooded (by oscar)",
      },
      {
        kind: "move",
        project: "physics",
        instance: "wiki",
        from: "plmapps",
        to: "plmopp",
        restore: { backup: "physics-20261206090000", platform: "plmapps", takenAt: "2026-12-06T09:00:00.000Z", reason: "failover from plmapps" },
        rpoSeconds: 3 * 3600,
        placementReason: "failover from plmapps: the Paris site is flooded (by oscar)",
      },
    ]);
  });

  it("points an attached bucket at its replica on the recovery site, and leaves one without a replica there as it is", () => {
    const attached = { name: "data", platform: "plmapps", provider: "noobaa" as const };
    const steps = planFailover({
      failed: "plmapps",
      platforms: PLATFORMS,
      intents: [intent("physics", "wiki", { bucket: attached }), intent("astro", "site", { bucket: { ...attached, name: "alone" } })],
      backups: new Map(),
      buckets: [bucket("physics", "data", "plmopp"), bucket("astro", "alone")],
      now: NOW,
      reason: "down",
      requester: "oscar",
    });
    expect(steps.find((step) => step.instance === "wiki")).toMatchObject({
      bucket: { name: "data", platform: "plmopp", provider: "rgw-admin", endpoint: "https://s3.plmopp.example.org", region: "us-east-1", pathStyle: true },
    });
    expect(steps.find((step) => step.instance === "site")).not.toHaveProperty("bucket");
    expect(attachmentOn("data", plmapps)).toEqual({ name: "data", platform: "plmapps", provider: "noobaa" });
  });

  it("leaves what placement refuses there, and everything when the platform has no recovery site, saying why", () => {
    const refused = planFailover({
      failed: "plmapps",
      platforms: PLATFORMS,
      intents: [intent("physics", "gpu")],
      backups: new Map(),
      buckets: [],
      refusals: new Map([["physics/gpu", "declares no GPU pool"]]),
      now: NOW,
      reason: "down",
      requester: "oscar",
    });
    expect(refused).toEqual([
      {
        kind: "skip",
        project: "physics",
        instance: "gpu",
        from: "plmapps",
        code: "cannot-run-there",
        reason: "cannot run on plmopp: declares no GPU pool",
        params: { platform: "plmopp", reason: "declares no GPU pool" },
      },
    ]);
    const nowhere = planFailover({
      failed: "plmapps",
      platforms: [plmapps],
      intents: [intent("physics", "wiki")],
      backups: new Map(),
      buckets: [],
      now: NOW,
      reason: "x",
      requester: "oscar",
    });
    expect(nowhere[0]).toMatchObject({ kind: "skip", code: "no-recovery-platform", params: { platform: "plmapps" } });
    expect(recoveryPlatformOf("plmapps", PLATFORMS)?.metadata.name).toBe("plmopp");
    expect(recoveryPlatformOf("plmopp", PLATFORMS)).toBeUndefined();
  });
});

describe("the failback plan", () => {
  it("brings back what a failover moved, and only that, restored from the fresh backups", () => {
    const moved = intent(
      "physics",
      "wiki",
      { restore: { backup: "old", platform: "plmapps", takenAt: "2026-12-05T00:00:00.000Z", reason: "failover from plmapps" } },
      {
        platform: "plmopp",
        reason: "failover from plmapps: flood (by oscar)",
      },
    );
    const empty = intent("astro", "site", {}, { platform: "plmopp", reason: "failover from plmapps: flood (by oscar)" });
    const pinned = intent("bio", "lab", {}, { platform: "plmopp", reason: "pinned by bob" });
    expect([moved, empty, pinned].map((each) => failedOverFrom(each, "plmapps"))).toEqual([true, true, false]);
    const fresh: BackupPoint = { id: "20261206T115900Z-fbabc", platform: "plmopp", takenAt: "2026-12-06T11:59:00.000Z" };
    const steps = planFailback({
      platform: "plmapps",
      platforms: PLATFORMS,
      intents: [moved, empty, pinned],
      backups: new Map([
        ["physics/wiki", fresh],
        ["astro/site", { ...fresh, id: "20261206T115900Z-fbdef" }],
      ]),
      buckets: [],
      now: NOW,
      requester: "oscar",
    });
    expect(
      steps.map((step) => [step.kind, `${step.project}/${step.instance}`, step.kind === "move" ? step.to : "", step.kind === "move" ? step.rpoSeconds : null]),
    ).toEqual([
      ["move", "astro/site", "plmapps", 60],
      ["move", "physics/wiki", "plmapps", 60],
    ]);
    expect(steps[1]).toMatchObject({
      restore: { backup: fresh.id, platform: "plmopp", takenAt: fresh.takenAt, reason: "failback to plmapps" },
      placementReason: "failback to plmapps from plmopp (by oscar)",
    });
  });
});
