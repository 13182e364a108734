import { describe, expect, it } from "vitest";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { systemClock } from "../adapters/system/system.js";
import type { PlatformDocument } from "../core/model.js";
import { silentLogger } from "../core/ports/logger.js";
import { localPlatformDocument } from "../core/platforms/service.js";
import { createVolumeBackupsRegistry } from "./volume-backups.js";

const author = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
type Spec = PlatformDocument["spec"];
const platform = (name: string, spec: Partial<Spec>): PlatformDocument => {
  const document = localPlatformDocument("apps.example.org");
  return { ...document, metadata: { name }, spec: { ...document.spec, ...spec } };
};
const remoteRgw: Spec["s3"] = {
  provider: "rgw-admin",
  endpoint: "https://s3.recovery.example.org/",
  credentialsEnv: { accessKeyId: "RECOVERY_S3_ID", secretAccessKey: "RECOVERY_S3_SECRET" },
};
const local = {
  endpoint: { url: "http://192.0.2.1:7480", region: "us-east-1", pathStyle: true },
  adminURL: "http://127.0.0.1:7480",
  accessKeyId: "local-id",
  secretAccessKey: "local-secret",
};

async function registryWith(documents: PlatformDocument[], env: NodeJS.ProcessEnv = {}, options: { readonly localOff?: boolean } = {}) {
  const repo = createMemoryRepository({ clock: systemClock });
  await repo.commit({
    parent: null,
    author,
    message: "platforms",
    trailers: {},
    changes: documents.map((document) => ({ path: `platforms/${document.metadata.name}.yaml`, content: JSON.stringify(document) })),
  });
  return createVolumeBackupsRegistry({ env, repo, logger: silentLogger, installation: options.localOff ? undefined : "abcd1234", local });
}

describe("the volume backups of podman platforms", () => {
  it("backs the local platform up to its own S3 server when nothing else is said", async () => {
    const registry = await registryWith([localPlatformDocument("localhost", { s3: true })]);
    expect((await registry.backupsFor("local"))?.location).toBe("s3://plateau-backups at http://192.0.2.1:7480");
    expect(await registry.backupsFor("local")).toBe(await registry.backupsFor("local"));
    expect(await registry.check()).toEqual([{ platform: "local", location: "s3://plateau-backups at http://192.0.2.1:7480" }]);
  });

  it("gives none to a platform without spec.backups, to a cluster, or when the local platform is off", async () => {
    const documents = [
      localPlatformDocument("localhost", { s3: true }),
      platform("plain", {}),
      platform("cluster", { engine: "argocd", backups: { bucket: "b-b" } }),
    ];
    const registry = await registryWith(documents);
    expect(await registry.backupsFor("plain")).toBeUndefined();
    expect(await registry.backupsFor("cluster")).toBeUndefined();
    expect(await registry.backupsFor("absent")).toBeUndefined();
    expect(await (await registryWith(documents, {}, { localOff: true })).backupsFor("local")).toBeUndefined();
  });

  it("writes to the recovery site by default, with the admin keys its credentialsEnv names", async () => {
    const documents = [
      platform("apps", { backups: { bucket: "apps-backups" } }),
      platform("recovery", { engine: "argocd", recoveryFor: "apps", s3: remoteRgw }),
    ];
    const registry = await registryWith(documents, { RECOVERY_S3_ID: "id", RECOVERY_S3_SECRET: "secret" });
    expect((await registry.backupsFor("apps"))?.location).toBe("s3://apps-backups at https://s3.recovery.example.org");
    // Without the keys in the environment: the error names the variables.
    await expect((await registryWith(documents, { RECOVERY_S3_ID: "id" })).backupsFor("apps")).rejects.toThrow(
      /platforms\/recovery\.yaml: spec\.s3\.credentialsEnv names RECOVERY_S3_SECRET/,
    );
  });

  it("refuses, naming the field, a site that is not declared or has no rgw-admin storage", async () => {
    const undeclared = await registryWith([platform("apps", { backups: { to: "nowhere", bucket: "apps-backups" } })]);
    await expect(undeclared.backupsFor("apps")).rejects.toThrow(/platforms\/apps\.yaml: spec\.backups\.to names platform nowhere, which is not declared/);
    const noobaa = await registryWith([
      platform("apps", { backups: { to: "other", bucket: "apps-backups" } }),
      platform("other", { engine: "argocd", s3: { provider: "noobaa" } }),
    ]);
    await expect(noobaa.backupsFor("apps")).rejects.toThrow(/spec\.backups\.to: platform other has no spec\.s3 of provider rgw-admin/);
    expect((await noobaa.check())[0]?.problem).toMatch(/spec\.backups\.to/);
  });
});
