/// <reference types="vite/client" />
// eslint-disable-next-line no-restricted-imports -- the test reads the real CRDs from schemas/ to check what the pure renderer builds
import { loadCrds } from "../../adapters/schemas/crd-files.js";
import plmappsText from "../../../examples/community/platforms/plmapps.yaml?raw";
import plmoppText from "../../../examples/community/platforms/plmopp.yaml?raw";
import plmshiftText from "../../../examples/community/platforms/plmshift.yaml?raw";
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { API_VERSION, parsePlatform, type InstanceDocument, type PlatformDocument, type ProjectDocument } from "../model.js";
import { backupStorageOf, backupsIssues } from "../platforms/backups.js";
import { argoBootstrapChanges } from "../projects/argocd-bootstrap.js";
import { isClusterPlatform, projectBundleChanges } from "../projects/bundle.js";
import { DEFAULT_RECOVERY_DEFAULTS } from "../recovery/policy.js";
import type { EffectiveQuota } from "../tenancy/quota.js";
import { fromYaml } from "../yaml.js";
import { createCrdValidator, type CrdValidator } from "./crd-validate.js";
import type { KubeObject } from "./kube.js";
import { renderProjectBundle } from "./project-bundle.js";
import { backupLocationName, restoreChanges, scheduleName, veleroBackupLocations, veleroSchedule } from "./velero.js";
import { recoveryPolicyOf } from "../recovery/policy.js";

const community = [
  parsePlatform(plmappsText, "plmapps.yaml"),
  parsePlatform(plmoppText, "plmopp.yaml"),
  parsePlatform(plmshiftText, "plmshift.yaml"),
  parsePlatform(plmvshiftText, "plmvshift.yaml"),
];
const platform = (name: string): PlatformDocument => {
  const found = community.find((candidate) => candidate.metadata.name === name);
  if (!found) throw new Error(`no platform ${name}`);
  return structuredClone(found);
};

const project = (name: string, spec: Partial<ProjectDocument["spec"]> = {}): ProjectDocument => ({
  apiVersion: API_VERSION,
  kind: "Project",
  metadata: { name, createdAt: "2026-12-01T00:00:00.000Z", createdBy: "alice" },
  spec: { title: name, lab: "imb", ...spec },
});
/** Institutional and not, personal, and policies that say otherwise than the tiers. */
const projects: ProjectDocument[] = [
  project("payroll", { tiers: ["institutional"] }),
  project("wiki", { tiers: ["institutional"], recovery: { everyHours: 6, retentionDays: 30 } }),
  project("scratch", { tiers: ["institutional"], recovery: { backups: false } }),
  project("genomics"),
  project("climate", { recovery: { backups: true, everyHours: 168, retentionDays: 365 } }),
  { ...project("u-alice"), spec: { title: "alice", personal: "alice" } },
];
const backedUp = new Set(["payroll", "wiki", "climate"]);
const quota: EffectiveQuota = { cpu: 8, memoryGiB: 32, gpu: 0, instances: 10, storageGiB: 100 };

type Loose = KubeObject & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test navigation into nested manifests
const objectsOf = (changes: ReturnType<typeof projectBundleChanges>): Loose[] =>
  changes.flatMap((change) => ("content" in change ? [fromYaml(change.content, change.path) as Loose] : []));
const velero = (objects: readonly KubeObject[]) => objects.filter((object) => object.apiVersion === "velero.io/v1") as Loose[];

let crds: CrdValidator;
beforeAll(async () => {
  crds = createCrdValidator(await loadCrds("schemas"));
});

describe("Velero Schedules in the project bundles", () => {
  it("renders a Schedule valid against Velero's CRD for every backed-up project, on every community platform with backups, and none for the others", () => {
    const schedules: string[] = [];
    let bundles = 0;
    for (const candidate of community.filter(isClusterPlatform)) {
      for (const each of projects) {
        // The CRDs given: a Schedule that broke Velero's schema would throw here.
        const changes = projectBundleChanges(each, candidate, quota, { recovery: DEFAULT_RECOVERY_DEFAULTS, crds });
        bundles++;
        for (const object of velero(objectsOf(changes))) {
          expect(() => crds.validate([object])).not.toThrow();
          schedules.push(`${candidate.metadata.name}/${object.kind}/${object.metadata.name}`);
        }
      }
    }
    expect(bundles).toBe(24);
    const expected = ["plmapps", "plmopp"].flatMap((name) => [...backedUp].map((each) => `${name}/Schedule/plateau-${each}`));
    expect(schedules.sort()).toEqual(expected.sort());
  });

  it("backs up the project's namespace, every volume by file system, at its policy's interval, kept for its retention, to the platform's location", () => {
    const wiki = projects[1];
    if (!wiki) throw new Error("fixtures");
    const [schedule] = velero(objectsOf(projectBundleChanges(wiki, platform("plmapps"), quota, { recovery: DEFAULT_RECOVERY_DEFAULTS, crds })));
    expect(schedule).toEqual({
      apiVersion: "velero.io/v1",
      kind: "Schedule",
      metadata: {
        name: "plateau-wiki",
        namespace: "openshift-adp",
        labels: { "app.kubernetes.io/managed-by": "plateau", "plateau.io/project": "wiki" },
      },
      spec: {
        schedule: "@every 6h",
        skipImmediately: false,
        template: {
          includedNamespaces: ["wiki"],
          ttl: "720h0m0s",
          storageLocation: "plateau-plmapps",
          defaultVolumesToFsBackup: true,
          snapshotVolumes: false,
          metadata: { labels: { "app.kubernetes.io/managed-by": "plateau", "plateau.io/project": "wiki" } },
        },
      },
    });
    // The configuration's defaults where the project's file says nothing (14 days: 336 hours).
    const payroll = velero(
      renderProjectBundle({ project: projects[0] as ProjectDocument, quota, platform: platform("plmapps"), recovery: DEFAULT_RECOVERY_DEFAULTS }),
    )[0];
    expect(payroll?.spec.schedule).toBe("@every 24h");
    expect(payroll?.spec.template.ttl).toBe("336h0m0s");
    // Velero's namespace by default when the platform names none.
    const plain = platform("plmapps");
    delete plain.spec.backups?.velero;
    expect(
      velero(renderProjectBundle({ project: projects[0] as ProjectDocument, quota, platform: plain, recovery: DEFAULT_RECOVERY_DEFAULTS }))[0]?.metadata
        .namespace,
    ).toBe("velero");
  });

  it("follows the project's policy: the bundle of the same project gains or loses its Schedule", () => {
    const plmapps = platform("plmapps");
    const before = project("payroll");
    const after = project("payroll", { tiers: ["institutional"] });
    const paths = (document: ProjectDocument) =>
      projectBundleChanges(document, plmapps, quota, { recovery: DEFAULT_RECOVERY_DEFAULTS }).flatMap((change) => ("content" in change ? [change.path] : []));
    expect(paths(before)).not.toContain("rendered/plmapps/payroll/_project/schedule-plateau-payroll.yaml");
    expect(paths(after)).toContain("rendered/plmapps/payroll/_project/schedule-plateau-payroll.yaml");
    // The bundle's directory is replaced whole: a policy turned off removes the file.
    expect(projectBundleChanges(after, plmapps, quota)[0]).toEqual({ path: "rendered/plmapps/payroll/_project", remove: true });
  });

  it("keeps names DNS labels whatever the lengths, stable and distinct", () => {
    const long = `p${"a".repeat(61)}z`;
    const other = `p${"a".repeat(61)}y`;
    for (const name of [scheduleName(long), scheduleName(other), backupLocationName(long)]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(scheduleName(long)).not.toBe(scheduleName(other));
    expect(scheduleName(long)).toBe(scheduleName(long));
    expect(scheduleName("payroll")).toBe("plateau-payroll");
    const schedule = veleroSchedule({
      project: project(long, { tiers: ["institutional"] }),
      platform: platform("plmapps"),
      policy: recoveryPolicyOf(project(long, { tiers: ["institutional"] }), DEFAULT_RECOVERY_DEFAULTS),
    });
    if (!schedule) throw new Error("no schedule");
    expect(() => crds.validate([schedule])).not.toThrow();
  });

  it("is refused by Velero's CRD when a Schedule breaks it (the check can fail)", () => {
    const schedule = velero(
      renderProjectBundle({ project: projects[0] as ProjectDocument, quota, platform: platform("plmapps"), recovery: DEFAULT_RECOVERY_DEFAULTS }),
    )[0];
    if (!schedule) throw new Error("no schedule");
    const broken = { ...schedule, spec: { ...schedule.spec, template: { ...schedule.spec.template, defaultVolumesToFsBackup: "yes", ttl: 336 } } };
    expect(() => crds.validate([broken])).toThrow(InputError);
    const unknownField = { ...schedule, spec: { ...schedule.spec, everyHours: 24 } };
    expect(() => crds.validate([unknownField])).toThrow(InputError);
  });

  it("refuses a project in Velero's namespace: its members would own Velero's keys and Restores", () => {
    const plmapps = platform("plmapps");
    expect(() => projectBundleChanges(project("openshift-adp"), plmapps, quota)).toThrow(InputError);
    expect(() => projectBundleChanges(project("velero"), platform("plmshift"), quota)).toThrow(/Velero's namespace/);
  });
});

describe("Velero's BackupStorageLocations in the Argo CD bootstrap", () => {
  const locationsOf = (name: string): Loose[] => {
    const changes = argoBootstrapChanges({ platform: platform(name), projects: ["payroll"], chartRepositories: [], crds, platforms: community });
    return velero(objectsOf(changes));
  };

  it("writes the institutional platform's backups to its recovery site's S3, and lets each side read the other's, all valid against Velero's CRD", () => {
    const plmapps = locationsOf("plmapps");
    const plmopp = locationsOf("plmopp");
    for (const object of [...plmapps, ...plmopp]) expect(() => crds.validate([object])).not.toThrow();
    const own = {
      provider: "aws",
      objectStorage: { bucket: "plateau-backups", prefix: "plmapps" },
      config: { region: "us-east-1", s3Url: "https://s3.plmopp.example.org", s3ForcePathStyle: "true" },
      credential: { name: "cloud-credentials", key: "cloud" },
    };
    expect(plmapps.map((object) => [object.metadata.name, object.metadata.namespace, object.spec.accessMode])).toEqual([
      ["plateau-plmapps", "openshift-adp", "ReadWrite"],
      ["plateau-plmopp", "openshift-adp", "ReadOnly"],
    ]);
    expect(plmapps[0]?.spec).toEqual({ ...own, accessMode: "ReadWrite" });
    // On the recovery site, PLMapps' backups under the same name, read only: its Velero syncs them and can restore them.
    expect(plmopp.map((object) => [object.metadata.name, object.spec.accessMode])).toEqual([
      ["plateau-plmapps", "ReadOnly"],
      ["plateau-plmopp", "ReadWrite"],
    ]);
    expect(plmopp[0]?.spec).toEqual({ ...own, accessMode: "ReadOnly" });
    expect(plmopp[1]?.spec.objectStorage).toEqual({ bucket: "plateau-backups", prefix: "plmopp" });
    // Platforms without backups, and that no backed-up platform relates to, get none.
    expect(locationsOf("plmshift")).toEqual([]);
    expect(locationsOf("plmvshift")).toEqual([]);
  });

  it("finds the storage site: spec.backups.to, else the recovery site, else the platform itself", () => {
    expect(backupStorageOf(platform("plmapps"), community)?.site).toBe("plmopp");
    expect(backupStorageOf(platform("plmopp"), community)?.site).toBe("plmopp");
    const vshift = platform("plmvshift");
    vshift.spec.backups = { bucket: "backups", to: "plmopp" };
    expect(backupStorageOf(vshift, community)).toEqual({
      site: "plmopp",
      endpoint: "https://s3.plmopp.example.org",
      region: "us-east-1",
      bucket: "backups",
      prefix: "plmvshift",
    });
    vshift.spec.backups = { bucket: "backups" };
    expect(backupStorageOf(vshift, community)?.endpoint).toBe("https://s3.cloud-a.example.org");
    expect(backupStorageOf(platform("plmshift"), community)).toBeUndefined();
  });

  it("refuses a storage site without an S3 endpoint, or one not declared, naming the field", () => {
    const opp = platform("plmopp");
    delete opp.spec.s3?.endpoint;
    const platforms = [platform("plmapps"), opp];
    const error = (() => {
      try {
        veleroBackupLocations(platform("plmapps"), platforms);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]).toMatchObject({ pointer: "/spec/backups", rule: "storage-endpoint" });
    expect((error as InputError).message).toMatch(/platforms\/plmapps\.yaml: \/spec\/backups .*plmopp.*spec\.s3\.endpoint/);
    expect(() => argoBootstrapChanges({ platform: platform("plmapps"), projects: [], chartRepositories: [], platforms })).toThrow(InputError);
    const shift = platform("plmshift");
    shift.spec.backups = { bucket: "backups", to: "nowhere" };
    expect(
      backupsIssues(
        [...community, shift].filter((candidate, index, all) => all.findLastIndex((other) => other.metadata.name === candidate.metadata.name) === index),
      ),
    ).toEqual([expect.objectContaining({ pointer: "/spec/backups/to", rule: "platform" })]);
    expect(backupsIssues(community)).toEqual([]);
  });

  it("renders the same bytes every time (golden)", async () => {
    const files = community
      .filter(isClusterPlatform)
      .flatMap((candidate) => [
        ...argoBootstrapChanges({ platform: candidate, projects: [], chartRepositories: [], crds, platforms: community }),
        ...projects.flatMap((each) => projectBundleChanges(each, candidate, quota, { recovery: DEFAULT_RECOVERY_DEFAULTS })),
      ])
      .flatMap((change) => ("content" in change && /\/(schedule|backupstoragelocation)-/.test(change.path) ? [`# ${change.path}\n${change.content}`] : []))
      .join("---\n");
    expect(files.match(/^# /gm)).toHaveLength(10);
    await expect(files).toMatchFileSnapshot("./__golden__/velero-community.yaml");
  });
});

describe("Velero Restores of instances on clusters", () => {
  it("renders a Restore valid against Velero's CRD on every community cluster, in its Velero namespace", () => {
    const intent = {
      apiVersion: API_VERSION,
      kind: "Instance",
      metadata: { name: "site", project: "payroll" },
      spec: { restore: { backup: "plateau-payroll-20261206000000", platform: "plmapps", takenAt: "2026-12-06T00:00:00Z", reason: "failover of plmapps" } },
    } as unknown as InstanceDocument;
    for (const candidate of community.filter(isClusterPlatform)) {
      const { changes, objects } = restoreChanges(intent, candidate);
      expect(objects).toEqual([]);
      const restores = velero(objectsOf(changes));
      expect(restores).toHaveLength(1);
      expect(() => crds.validate(restores)).not.toThrow();
      expect(restores[0]?.metadata.namespace).toBe(candidate.spec.backups?.velero?.namespace ?? "velero");
      expect(changes.flatMap((change) => ("content" in change ? [change.path] : []))).toEqual([
        `rendered/${candidate.metadata.name}/payroll/_recovery/site/restore-restore-site-plateau-payroll-20261206000000.yaml`,
      ]);
    }
  });
});
