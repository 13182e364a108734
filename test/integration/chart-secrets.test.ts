// A chart's passwords never reach the public desired-state repository (ADR 0022): launched
// with the real Helm on an OpenShift platform of examples/community, the committed values
// hold argocd-vault-plugin placeholders to the instance's own Secret; Plateau hands that
// Secret over before Argo CD syncs; the people who may change the instance read it (audited);
// and another lab can neither read it nor point a placeholder of its own at it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { parsePlatform } from "../../src/core/model.js";
import type { ApplyOptions, Engine } from "../../src/core/ports/engine.js";
import { helmAdapters, ideCatalog } from "../support/helm-plateau.js";
import { memoryApp, type Person } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { everythingCommitted } from "../support/committed.js";
import { packFixtureChart, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { replaceAvpPlaceholders } from "../support/avp.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { renderedHelmInstanceDir } from "../../src/core/repository/layout.js";
import { fromYaml } from "../../src/core/yaml.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
let fixture: Awaited<ReturnType<typeof memoryApp>>;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
/** The Secrets the reconciler handed to the cluster platform, by `<project>/<secret>`. */
const handedOver = new Map<string, Record<string, string>>();

beforeAll(async () => {
  if (skip) return;
  repository = await startChartRepository();
  const argo = createMemoryEngine();
  const engine: Engine = {
    ...argo,
    async apply(unit, options: ApplyOptions) {
      for (const [name, data] of Object.entries(options.secrets)) handedOver.set(`${unit.project}/${name}`, { ...data });
      return argo.apply(unit, options);
    },
  };
  fixture = await memoryApp({
    adapters: helmAdapters([ideCatalog(repository.location)], { renderer, argocd: engine }),
    platforms: [platformFile("plmshift")],
  });
  const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
  await fixture.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
  await fixture.plateau.services.projects.create({ name: "genomics", lab: "lmbp" }, { login: "bob", name: "bob", email: "bob@users.plateau.invalid" });
}, 120_000);

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
  await renderer.close();
  await repository?.close();
});

const send = async (who: Person, options: InjectOptions, headers: Record<string, string> = {}) =>
  fixture.app.inject({ ...options, headers: { ...(await fixture.as(who)), ...headers } });

describe.skipIf(skip)("a chart's passwords", () => {
  it("are committed as placeholders to the instance's own Secret, handed over before the sync, and read by its people only", async () => {
    const typed = "typed-Pa55word-9f2c";
    const launch = (name: string, values: unknown) =>
      send(
        "alice",
        { method: "POST", url: "/api/v1/projects/demo/instances", payload: { template: "ide/jupyter-python", name, values } },
        { "idempotency-key": `k-${name}` },
      );
    expect((await launch("nb", {})).statusCode).toBe(202);
    const chosen = await launch("mine", { security: { password: typed } });
    expect(chosen.statusCode, chosen.body).toBe(202);

    const intent = await fixture.plateau.services.instances.get("demo", "nb");
    expect(intent.values).toMatchObject({ security: { password: "<path:demo:nb-generated#one-time-password>" } });
    expect((await fixture.plateau.services.instances.get("demo", "mine")).values).toMatchObject({
      security: { password: "<path:demo:mine-generated#security.password>" },
    });

    // The reconciler hands the Secret over, generating what no one typed.
    const reconciler = fixture.plateau.reconcilers.get("plmshift");
    if (!reconciler) throw new Error("no reconciler for plmshift");
    await reconciler.reconcileOnce();
    const generated = handedOver.get("demo/nb-generated")?.["one-time-password"];
    expect(generated).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(handedOver.get("demo/mine-generated")).toEqual({ "security.password": typed });

    // Alice reads them on demand (no cache); every read is audited.
    const read = await send("alice", { url: "/api/v1/projects/demo/instances/nb/secrets" });
    expect(read.statusCode).toBe(200);
    expect(read.headers["cache-control"]).toBe("no-store");
    expect(read.json()).toEqual({ items: [{ name: "one-time-password", value: generated }] });
    expect((await send("alice", { url: "/api/v1/projects/demo/instances/mine/secrets" })).json()).toEqual({
      items: [{ name: "security.password", value: typed }],
    });
    const audit = (await send("oscar", { url: "/api/v1/audit?limit=200" })).json() as { items: { actor: string; action: string; target: string }[] };
    expect(audit.items).toContainEqual(expect.objectContaining({ actor: "alice", action: "secrets.read", target: "demo/nb" }));

    // …and from the CLI, only when asked.
    const server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
    const token = await fixture.tokenOf("alice");
    const status = await runCli(server, token, "status", "demo/mine", "--show-secrets");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Secrets:\n  security.password  ${typed}`);
    const plain = await runCli(server, token, "status", "demo/mine");
    expect(plain.stdout).not.toContain(typed);
    expect(plain.stdout).toContain("<path:demo:mine-generated#security.password>");

    // Nothing of it was ever committed: neither password, nor the charts' published default.
    const committed = await everythingCommitted(fixture.repo);
    expect(committed).toContain("<path:demo:nb-generated#one-time-password>");
    expect(committed).not.toContain(typed);
    expect(committed).not.toContain(generated);
    expect(committed).not.toContain("changeme");

    // What Argo CD makes of the committed Application (ADR 0022): the plugin's helm template of its values, with
    // the placeholders replaced from the handed-over Secret, gives the notebook's pod that password.
    const head = (await fixture.repo.head()) ?? "";
    const dir = renderedHelmInstanceDir("plmshift", "demo", "nb");
    const [file] = await fixture.repo.listDirectory(head, dir);
    const application = fromYaml((await fixture.repo.readFile(head, `${dir}/${file?.name}`)) ?? "", "application");
    expect(application).toMatchObject({ spec: { source: { path: dir, plugin: { name: "plateau-helm-avp" } } } });
    const values = helmApplicationValues(application) ?? {};
    const rendered = await renderer.render({ archive: await packFixtureChart("jupyter-python"), releaseName: "nb", namespace: "demo", values });
    expect(JSON.stringify(rendered.objects)).not.toContain(generated);
    const secrets = new Map([...handedOver].map(([key, data]) => [key, data]));
    const objects = replaceAvpPlaceholders(rendered.objects, secrets, { pathValidation: /^demo:nb-generated$/ });
    const tokenSecret = objects.find((object) => object.kind === "Secret" && object.metadata.name.endsWith("-secrettoken")) as unknown as {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    expect(tokenSecret.stringData.PASSWORD).toBe(generated);
    const pod = objects.find((object) => object.kind === "StatefulSet") as unknown as {
      spec: { template: { spec: { containers: { envFrom?: { secretRef?: { name: string } }[] }[] } } };
    };
    expect(pod.spec.template.spec.containers[0]?.envFrom?.map((from) => from.secretRef?.name)).toContain(tokenSecret.metadata.name);
  });

  it("are not read by another lab (the same 404 as no instance), a viewer, or a read-only token", async () => {
    const hidden = await send("bob", { url: "/api/v1/projects/demo/instances/nb/secrets" });
    const missing = await send("bob", { url: "/api/v1/projects/demo/instances/nx-none/secrets" });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).toBe(missing.body.replaceAll("nx-none", "nb"));
    // As a viewer of demo, bob reads the instance, not its passwords.
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await fixture.plateau.services.projects.setMembers(
      "demo",
      [
        { login: "alice", role: "owner" },
        { login: "bob", role: "viewer" },
      ],
      alice,
    );
    expect((await send("bob", { url: "/api/v1/projects/demo/instances/nb" })).statusCode).toBe(200);
    const viewer = await send("bob", { url: "/api/v1/projects/demo/instances/nb/secrets" });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.body).not.toMatch(/[A-Za-z0-9]{32}/);
    const readOnly = await fixture.plateau.services.access.createToken(await fixture.person("alice"), { name: "ro", write: false });
    const withReadOnly = await fixture.app.inject({
      url: "/api/v1/projects/demo/instances/nb/secrets",
      headers: { authorization: `Bearer ${readOnly.token}` },
    });
    expect(withReadOnly.statusCode).toBe(403);
  });

  it("cannot be pointed at from another project: a placeholder in a person's values is refused and nothing is committed", async () => {
    const head = await fixture.repo.head();
    for (const values of [
      { security: { password: "<path:demo:nb-generated#one-time-password>" } },
      { init: { personalInit: "https://x.example.org/<path:demo:nb-generated#one-time-password>" } },
      { extraEnv: [{ name: "X", value: "<path:demo:nb-generated#one-time-password>" }] },
    ]) {
      const refused = await send(
        "bob",
        { method: "POST", url: "/api/v1/projects/genomics/instances", payload: { template: "ide/jupyter-python", name: "thief", values } },
        { "idempotency-key": `thief-${JSON.stringify(values)}` },
      );
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json()).toMatchObject({ error: { issues: [expect.objectContaining({ rule: "secret-placeholder" })] } });
    }
    expect(await fixture.repo.head()).toBe(head);
  });
});
