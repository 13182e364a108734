import { describe, expect, it } from "vitest";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { systemClock } from "../adapters/system/system.js";
import type { PlatformDocument } from "../core/model.js";
import { silentLogger } from "../core/ports/logger.js";
import { localPlatformDocument } from "../core/platforms/service.js";
import { backupSiteOf, createVolumeBackupsRegistry } from "./volume-backups.js";

const author = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
const platform = (name: string, spec: Partial<PlatformDocument["spec"]> = {}): PlatformDocument => {
  const document = localPlatformDocument("apps.example.org");
  return { ...document, metadata: { name }, spec: { ...document.spec, ...spec } };
};
const local = { endpoint: { url: "http://127.0.0.1:7480", region: "us-east-1", pathStyle: true }, accessKeyId: "admin-id", secretAccessKey: "admin-secret" };

async function registryOver(documents: PlatformDocument[], options: { installation?: string; localS3?: typeof local } = {}) {
  const repo = createMemoryRepository({ clock: systemClock });
  await repo.commit({
    parent: null,
    author,
    message: "platforms",
    trailers: {},
    changes: documents.map((document) => ({ path: `platforms/${document.metadata.name}.yaml`, content: JSON.stringify(document) })),
  });
  return createVolumeBackupsRegistry({
    repo,
    installation: "installation" in options ? options.installation : "test01",
    env: { SITE_ID: "site-id", SITE_SECRET: "site-secret" },
    local: Promise.resolve("localS3" in options ? options.localS3 : local),
    logger: silentLogger,
  });
}

describe("the volume backups of podman platforms", () => {
  it("sends a platform's backups to `to`, else to the platform recovering it, else to itself", () => {
    const plmapps = platform("plmapps", { backups: { bucket: "plateau-backups" } });
    const plmopp = platform("plmopp", { recoveryFor: "plmapps" });
    expect(backupSiteOf(plmapps, [plmapps, plmopp])).toBe("plmopp");
    expect(backupSiteOf(plmapps, [plmapps])).toBe("plmapps");
    expect(backupSiteOf({ ...plmapps, spec: { ...plmapps.spec, backups: { to: "vault", bucket: "b" } } }, [plmapps, plmopp])).toBe("vault");
    expect(backupSiteOf(plmopp, [plmapps, plmopp])).toBeUndefined();
  });

  it("backs up a podman platform with spec.backups into the local S3 or a site's rgw-admin, and nothing else", async () => {
    const registry = await registryOver([
      platform("local", { backups: { bucket: "plateau-backups" } }),
      platform("bare"),
      platform("remote", { backups: { bucket: "remote-backups", to: "site" } }),
      platform("site", {
        engine: "argocd",
        s3: { provider: "rgw-admin", endpoint: "https://s3.site.example.org/", credentialsEnv: { accessKeyId: "SITE_ID", secretAccessKey: "SITE_SECRET" } },
      }),
      platform("cluster", { engine: "argocd", backups: { bucket: "velero-backups" } }),
    ]);
    expect((await registry.backupsFor("local"))?.location).toContain("http://127.0.0.1:7480");
    expect((await registry.backupsFor("remote"))?.location).toContain("https://s3.site.example.org");
    expect(await registry.backupsFor("local")).toBe(await registry.backupsFor("local"));
    expect(await registry.backupsFor("bare")).toBeUndefined();
    expect(await registry.backupsFor("cluster")).toBeUndefined();
    expect(await registry.backupsFor("nowhere")).toBeUndefined();
  });

  it("backs up nothing without the local S3 server, or without an installation", async () => {
    const documents = [platform("local", { backups: { bucket: "plateau-backups" } })];
    expect(await (await registryOver(documents, { localS3: undefined })).backupsFor("local")).toBeUndefined();
    expect(await (await registryOver(documents, { installation: undefined })).backupsFor("local")).toBeUndefined();
  });
});
