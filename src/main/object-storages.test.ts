import { describe, expect, it } from "vitest";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { systemClock } from "../adapters/system/system.js";
import type { PlatformDocument } from "../core/model.js";
import type { Logger } from "../core/ports/logger.js";
import { localPlatformDocument } from "../core/platforms/service.js";
import { createObjectStorages } from "./object-storages.js";

const author = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
type S3Spec = NonNullable<PlatformDocument["spec"]["s3"]>;
const platform = (name: string, engine: "podman" | "argocd", s3?: S3Spec): PlatformDocument => {
  const document = localPlatformDocument("apps.example.org");
  return { ...document, metadata: { name }, spec: { ...document.spec, engine, ...(s3 ? { s3 } : {}) } };
};

const recording = () => {
  const lines: string[] = [];
  const logger: Logger = {
    info: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    warn: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    debug: () => undefined,
  };
  return { lines, logger };
};

async function repositoryWith(...documents: PlatformDocument[]) {
  const repo = createMemoryRepository({ clock: systemClock });
  await repo.commit({
    parent: null,
    author,
    message: "platforms",
    trailers: {},
    // JSON is YAML: the platform files as an operator would write them.
    changes: documents.map((document) => ({ path: `platforms/${document.metadata.name}.yaml`, content: JSON.stringify(document) })),
  });
  return repo;
}

const rgw: S3Spec = {
  provider: "rgw-admin",
  endpoint: "https://s3.example.org/",
  adminURL: "https://rgw-admin.example.org",
  region: "eu-west-3",
  credentialsEnv: { accessKeyId: "RGW_ADMIN_ACCESS_KEY_ID", secretAccessKey: "RGW_ADMIN_SECRET_ACCESS_KEY" },
  userPrefix: "plateau-lab1-",
};

describe("createObjectStorages", () => {
  it("drives an rgw-admin platform with the admin keys its variables hold; a missing variable is said once, never the keys", async () => {
    const repo = await repositoryWith(platform("cirrus", "argocd", rgw));
    const env: Record<string, string> = { RGW_ADMIN_ACCESS_KEY_ID: "AKIDSECRETLOOKING" };
    const { lines, logger } = recording();
    const storages = createObjectStorages({ env, repo, logger });
    expect(await storages.storageFor("cirrus")).toBeUndefined();
    expect(await storages.storageFor("cirrus")).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("RGW_ADMIN_SECRET_ACCESS_KEY");
    expect(lines[0]).toContain("cirrus");
    expect(lines[0]).not.toContain("AKIDSECRETLOOKING");

    env.RGW_ADMIN_SECRET_ACCESS_KEY = "the-secret-key";
    const storage = await storages.storageFor("cirrus");
    expect(storage?.endpoint).toEqual({ url: "https://s3.example.org", region: "eu-west-3", pathStyle: true });
    // Built once, again when a key changes (a rotated admin key).
    expect(await storages.storageFor("cirrus")).toBe(storage);
    env.RGW_ADMIN_SECRET_ACCESS_KEY = "a-rotated-key";
    const rebuilt = await storages.storageFor("cirrus");
    expect(rebuilt).toBeDefined();
    expect(rebuilt).not.toBe(storage);
    expect(lines.join("\n")).not.toMatch(/the-secret-key|a-rotated-key|AKIDSECRETLOOKING/);
  });

  it("gives no storage to noobaa (rendered, not driven), to a platform without spec.s3, to an unknown one, nor to rgw-admin without credentialsEnv", async () => {
    const repo = await repositoryWith(
      platform("ocp", "argocd", { provider: "noobaa" }),
      platform("plain", "argocd"),
      platform("nokeys", "argocd", { provider: "rgw-admin", endpoint: "https://s3.example.org" }),
    );
    const { lines, logger } = recording();
    const storages = createObjectStorages({ env: {}, repo, logger });
    for (const name of ["ocp", "plain", "unknown", "nokeys"]) expect(await storages.storageFor(name)).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("credentialsEnv");
  });

  it("gives the local platform the RGW plateau up runs (its endpoint is this machine's, not in git); none while it does not run", async () => {
    const repo = await repositoryWith(localPlatformDocument("localhost", { s3: true }));
    const local = {
      endpoint: { url: "http://127.0.0.1:7480", region: "us-east-1", pathStyle: true },
      accessKeyId: "LOCALADMIN",
      secretAccessKey: "local-secret",
    };
    const storage = await createObjectStorages({ env: {}, repo, logger: recording().logger, local: Promise.resolve(local) }).storageFor("local");
    expect(storage?.endpoint).toEqual(local.endpoint);

    const { lines, logger } = recording();
    const without = createObjectStorages({ env: {}, repo, logger, local: Promise.resolve(undefined) });
    expect(await without.storageFor("local")).toBeUndefined();
    expect(await without.storageFor("local")).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("local S3 server does not run");
    // Declared without spec.s3 (Ceph was missing when it was written): no buckets there.
    const bare = await repositoryWith(localPlatformDocument("localhost"));
    expect(await createObjectStorages({ env: {}, repo: bare, logger, local }).storageFor("local")).toBeUndefined();
  });
});
