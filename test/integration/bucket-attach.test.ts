// Attaching a bucket to an instance (ADR 0031), through the API over a composed Plateau: the
// launch checks the bucket is its project's (the same answer for another project's as for
// none), that its template can use one, and where a NooBaa bucket keeps the instance; the
// intent records it, the reconciler hands the project's key over with the instance's Secret,
// and nothing of the key is committed. A chart gets `{{s3.*}}` as placeholders, rendered by the real Helm.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { readProjectKey } from "../../src/core/buckets/key-store.js";
import { instancesUsingBucketAt } from "../../src/core/buckets/attach.js";
import { API_VERSION, parseInstance, parsePlatform, serialize, type BucketDocument, type PlatformDocument } from "../../src/core/model.js";
import type { ApplyOptions, Engine } from "../../src/core/ports/engine.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { bucketPath, instancePath, renderedHelmInstanceDir, renderedInstanceDir } from "../../src/core/repository/layout.js";
import { fromYaml } from "../../src/core/yaml.js";
import { memoryApp, type Person } from "../support/app.js";
import { replaceAvpPlaceholders } from "../support/avp.js";
import { packFixtureChart, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { everythingCommitted } from "../support/committed.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { ideCatalog } from "../support/helm-plateau.js";
import { createHelmCatalogs } from "../../src/adapters/helm/helm-catalogs.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { silentLogger } from "../../src/core/ports/logger.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);
/** An OpenShift platform with NooBaa, and a Kubernetes one with a Ceph RGW. */
const plmshift: PlatformDocument = { ...platformFile("plmshift"), spec: { ...platformFile("plmshift").spec, s3: { provider: "noobaa" } } };
const plmvshift: PlatformDocument = {
  ...platformFile("plmvshift"),
  spec: { ...platformFile("plmvshift").spec, s3: { provider: "rgw-admin", endpoint: "https://s3.math.example.org", region: "garage" } },
};
const ENDPOINT = { url: "https://s3.math.example.org", region: "garage", pathStyle: true };

const skipHelm = helmUnavailable();
const storage = createMemoryObjectStorage({ endpoint: ENDPOINT });
/** The Secrets the reconcilers handed to the engines, by `<platform>/<project>/<secret>`. */
const handedOver = new Map<string, Record<string, string>>();
const recording = (platform: string): Engine => {
  const engine = createMemoryEngine();
  return {
    ...engine,
    async apply(unit, options: ApplyOptions) {
      for (const [name, data] of Object.entries(options.secrets)) handedOver.set(`${platform}/${unit.project}/${name}`, { ...data });
      return engine.apply(unit, options);
    },
  };
};
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
/** Whether this Plateau drives plmvshift's object storage (a test takes it away). */
let storageReachable = true;
let repository: ChartRepositoryServer | undefined;
let fixture: Awaited<ReturnType<typeof memoryApp>>;

const bucket = (project: string, name: string, platform: string): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project, createdAt: "2026-12-01T09:00:00.000Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 10 } },
  placement: { platform, reason: "for a test" },
});

beforeAll(async () => {
  if (!skipHelm) repository = await startChartRepository();
  const podman = recording("local");
  const argocd = recording("cluster");
  fixture = await memoryApp({
    adapters: {
      engines: new Map<string, Engine>([
        ["podman", podman],
        ["argocd", argocd],
      ]),
      objectStorages: { storageFor: async (platform) => (platform === "plmvshift" && storageReachable ? storage : undefined) },
      ...(repository
        ? {
            helmCatalogs: createHelmCatalogs({ configs: [ideCatalog(repository.location)], clock: systemClock, logger: silentLogger }),
            chartRenderer: renderer,
          }
        : {}),
    },
    platforms: [plmshift, plmvshift],
  });
  const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
  const bob = { login: "bob", name: "bob", email: "bob@users.plateau.invalid" };
  await fixture.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
  await fixture.plateau.services.projects.create({ name: "genomics", lab: "lmbp" }, bob);
  // The buckets, as the buckets' service commits them (not this piece's).
  const documents = [bucket("demo", "survey", "plmvshift"), bucket("demo", "okd-data", "plmshift"), bucket("genomics", "genes-private", "plmvshift")];
  await fixture.repo.commit({
    parent: await fixture.repo.head(),
    author: { name: "alice", email: "alice@example.org" },
    message: "buckets for a test",
    trailers: {},
    changes: documents.map((document) => ({ path: bucketPath(document.metadata.project, document.metadata.name), content: serialize(document) })),
  });
  await fixture.plateau.refresh();
}, 120_000);

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
  await renderer.close();
  await repository?.close();
});

const send = async (who: Person, options: InjectOptions, key?: string) =>
  fixture.app.inject({ ...options, headers: { ...(await fixture.as(who)), ...(key ? { "idempotency-key": key } : {}) } });
const launch = (who: Person, project: string, payload: Record<string, unknown>) =>
  send(who, { method: "POST", url: `/api/v1/projects/${project}/instances`, payload }, `k-${JSON.stringify(payload)}`);
const intentOf = async (project: string, name: string) => {
  const head = (await fixture.repo.head()) ?? "";
  return parseInstance((await fixture.repo.readFile(head, instancePath(project, name))) ?? "", "intent");
};

describe("attaching a bucket at launch", () => {
  it("records it in the intent, renders its variables, hands the project's key over and commits no key", async () => {
    const launched = await launch("alice", "demo", { template: "jupyter-notebook", name: "nb", bucket: "survey", platform: "local" });
    expect(launched.statusCode, launched.body).toBe(202);
    const intent = await intentOf("demo", "nb");
    expect(intent.spec.bucket).toEqual({
      name: "survey",
      platform: "plmvshift",
      provider: "rgw-admin",
      endpoint: ENDPOINT.url,
      region: "garage",
      pathStyle: true,
    });

    const head = (await fixture.repo.head()) ?? "";
    const dir = renderedInstanceDir("local", "demo", "nb");
    const files = await fixture.repo.listDirectory(head, dir);
    const deployment = await fixture.repo.readFile(head, `${dir}/${files.find((file) => file.name.startsWith("deployment"))?.name ?? ""}`);
    expect(deployment).toContain("key: s3-access-key-id");
    expect(deployment).toContain("value: s3.math.example.org");

    const reconciler = fixture.plateau.reconcilers.get("local");
    if (!reconciler) throw new Error("no local reconciler");
    await reconciler.reconcileOnce();
    const key = await readProjectKey(fixture.adapters.secrets, "plmvshift", "demo");
    if (!key) throw new Error("no key kept for demo on plmvshift");
    expect(await storage.keys("demo")).toContain(key.accessKeyId);
    const secret = handedOver.get("local/demo/nb-generated");
    expect(secret).toMatchObject({ "s3-access-key-id": key.accessKeyId, "s3-secret-access-key": key.secretAccessKey });
    // The notebook's own token is generated as before, beside the key.
    expect(secret?.token).toMatch(/^[A-Za-z0-9]{32}$/);
    // The key is the project's, kept once: the instance's own secrets do not hold it (rotation reaches every instance).
    expect(Object.keys(await fixture.adapters.secrets.read("demo", "nb"))).toEqual(["token"]);

    const committed = await everythingCommitted(fixture.repo);
    expect(committed).not.toContain(key.secretAccessKey);
    expect(committed).not.toContain(key.accessKeyId);
    const events = JSON.stringify(await fixture.plateau.services.instances.events("demo", "nb"));
    expect(events).not.toContain(key.secretAccessKey);
    expect(await instancesUsingBucketAt(fixture.repo, head, "demo", "survey")).toEqual(["nb"]);
  });

  it("without a bucket, the intent has none and the pods no S3 variable", async () => {
    const launched = await launch("alice", "demo", { template: "jupyter-notebook", name: "plain", platform: "local" });
    expect(launched.statusCode, launched.body).toBe(202);
    expect((await intentOf("demo", "plain")).spec.bucket).toBeUndefined();
    const head = (await fixture.repo.head()) ?? "";
    const dir = renderedInstanceDir("local", "demo", "plain");
    for (const file of await fixture.repo.listDirectory(head, dir)) expect(await fixture.repo.readFile(head, `${dir}/${file.name}`)).not.toContain("AWS_");
  });

  it("refuses a bucket the project does not have with the same answer whether another project has one of that name or nobody does; nothing is committed", async () => {
    const head = await fixture.repo.head();
    const other = await launch("alice", "demo", { template: "jupyter-notebook", name: "x1", bucket: "genes-private" });
    const none = await launch("alice", "demo", { template: "jupyter-notebook", name: "x1", bucket: "genes-privatx" });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toMatchObject({ error: { issues: [expect.objectContaining({ pointer: "/bucket", rule: "bucket" })] } });
    expect(other.body).toBe(none.body.replaceAll("genes-privatx", "genes-private"));
    expect(other.body).not.toContain("genomics");
    // Where a launch would go says the same.
    const placement = await send("alice", {
      method: "POST",
      url: "/api/v1/projects/demo/placement",
      payload: { template: "jupyter-notebook", bucket: "genes-private" },
    });
    expect(placement.statusCode).toBe(400);
    expect(placement.body).not.toContain("genomics");
    expect(await fixture.repo.head()).toBe(head);
  });

  it("refuses a bucket for a template that declares no s3 capability", async () => {
    const head = await fixture.repo.head();
    const refused = await launch("alice", "demo", { template: "static-site", name: "site", bucket: "survey" });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: { issues: [expect.objectContaining({ pointer: "/bucket", rule: "s3-capability" })] } });
    expect(await fixture.repo.head()).toBe(head);
  });

  it("keeps an instance of a NooBaa bucket on its platform, with the reason; pinned elsewhere or moved away, refused", async () => {
    const launched = await launch("alice", "demo", { template: "rstudio", name: "rs", bucket: "okd-data" });
    expect(launched.statusCode, launched.body).toBe(202);
    expect(launched.json()).toMatchObject({
      placement: { platform: "plmshift", reasons: expect.arrayContaining([expect.objectContaining({ code: "bucket" })]) },
    });
    expect((await intentOf("demo", "rs")).spec.bucket).toEqual({ name: "okd-data", platform: "plmshift", provider: "noobaa" });
    const pinned = await launch("alice", "demo", { template: "rstudio", name: "rs2", bucket: "okd-data", platform: "local" });
    expect(pinned.statusCode).toBe(400);
    expect(pinned.json()).toMatchObject({ error: { issues: [expect.objectContaining({ pointer: "/bucket", rule: "bucket-platform" })] } });
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await expect(fixture.plateau.services.instances.move("demo", "rs", "local", alice)).rejects.toThrow(/its bucket okd-data is on plmshift/);
    expect((await intentOf("demo", "rs")).placement.platform).toBe("plmshift");
  });

  it("fails to apply, saying why and with no key, when the bucket's object storage is no longer driven", async () => {
    const launched = await launch("alice", "demo", { template: "python-web", name: "web", bucket: "survey", platform: "local" });
    expect(launched.statusCode, launched.body).toBe(202);
    storageReachable = false;
    try {
      await fixture.plateau.reconcilers.get("local")?.reconcileOnce();
    } finally {
      storageReachable = true;
    }
    const view = await fixture.plateau.services.instances.get("demo", "web");
    expect(view.phase).toBe("failed");
    expect(JSON.stringify(view)).toContain("whose object storage this Plateau does not drive");
    expect(handedOver.has("local/demo/web-generated")).toBe(false);
  });

  it("keeps an rgw-admin bucket through a move", async () => {
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await fixture.plateau.services.instances.move("demo", "nb", "plmvshift", alice);
    const intent = await intentOf("demo", "nb");
    expect(intent.placement.platform).toBe("plmvshift");
    expect(intent.spec.bucket?.name).toBe("survey");
  });
});

describe.skipIf(skipHelm)("a chart attached to a bucket", () => {
  it("gets {{s3.*}}: its keys as placeholders to its own Secret, rendered by the real Helm into the pod's Secret, no value committed", async () => {
    const launched = await launch("alice", "demo", { template: "ide/rstudio", name: "rchart", bucket: "survey" });
    expect(launched.statusCode, launched.body).toBe(202);
    const intent = await intentOf("demo", "rchart");
    expect(intent.spec.values).toMatchObject({
      s3: {
        accessKeyId: "<path:demo:rchart-generated#s3-access-key-id>",
        secretAccessKey: "<path:demo:rchart-generated#s3-secret-access-key>",
        endpoint: "s3.math.example.org",
        defaultRegion: "garage",
        pathStyleAccess: true,
        workingDirectoryPath: "survey/",
      },
    });
    const platform = intent.placement.platform;
    const reconciler = fixture.plateau.reconcilers.get(platform);
    if (!reconciler) throw new Error(`no reconciler for ${platform}`);
    await reconciler.reconcileOnce();
    const key = await readProjectKey(fixture.adapters.secrets, "plmvshift", "demo");
    if (!key) throw new Error("no key kept");
    const secrets = new Map([...handedOver].filter(([name]) => name.startsWith(`cluster/`)).map(([name, data]) => [name.slice("cluster/".length), data]));
    expect(secrets.get("demo/rchart-generated")).toMatchObject({ "s3-access-key-id": key.accessKeyId, "s3-secret-access-key": key.secretAccessKey });

    const head = (await fixture.repo.head()) ?? "";
    const dir = renderedHelmInstanceDir(platform, "demo", "rchart");
    const [file] = await fixture.repo.listDirectory(head, dir);
    const application = fromYaml((await fixture.repo.readFile(head, `${dir}/${file?.name}`)) ?? "", "application");
    const rendered = await renderer.render({
      archive: await packFixtureChart("rstudio"),
      releaseName: "rchart",
      namespace: "demo",
      values: helmApplicationValues(application) ?? {},
    });
    const text = JSON.stringify(rendered.objects);
    expect(text).toContain("<path:demo:rchart-generated#s3-access-key-id>");
    expect(text).not.toContain(key.secretAccessKey);
    const objects = replaceAvpPlaceholders(rendered.objects, secrets, { pathValidation: /^demo:rchart-generated$/ });
    const s3Secret = objects.find((object) => object.kind === "Secret" && object.metadata.name.endsWith("-secrets3")) as unknown as {
      stringData: Record<string, string>;
    };
    expect(s3Secret.stringData).toMatchObject({
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_S3_ENDPOINT: "s3.math.example.org",
    });
    expect(await everythingCommitted(fixture.repo)).not.toContain(key.secretAccessKey);
  });

  it("refuses a NooBaa bucket for a chart: its keys stay in the claim's Secret, which placeholders cannot read", async () => {
    const refused = await launch("alice", "demo", { template: "ide/rstudio", name: "rchart2", bucket: "okd-data" });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: { issues: [expect.objectContaining({ pointer: "/bucket", rule: "noobaa-chart" })] } });
  });
});
