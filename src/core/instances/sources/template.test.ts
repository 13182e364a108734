import { describe, expect, it } from "vitest";
import { InputError, NotFoundError } from "../../errors.js";
import { API_VERSION, type InstanceDocument, type InstanceState } from "../../model.js";
import { localPlatform, webWithDatabase } from "../../testing/fixtures.js";
import { fromYaml } from "../../yaml.js";
import type { InstanceAddress } from "../types.js";
import type { SourceDeps } from "./source.js";
import { templateSource } from "./template.js";

const urlOf = ({ instance, project, domain }: InstanceAddress) => `https://${instance}.${project}.${domain}/`;
const deps: SourceDeps = {
  catalog: { list: async () => [webWithDatabase], get: async (id) => (id === webWithDatabase.spec.id ? webWithDatabase : undefined) },
  random: { int: () => 0, secret: (n) => "s".repeat(n), id: () => "id" },
  urlOf,
  imageRegistries: ["docker.io"],
};
const requester = { login: "alice", name: "alice", email: "alice@example.org" };
const kind = templateSource(deps);
const open = () => kind.open("web-db");

const intent = (values: Record<string, unknown>, state: InstanceState = "running"): InstanceDocument => ({
  apiVersion: API_VERSION,
  kind: "Instance",
  metadata: { name: "site", project: "demo", createdAt: "2026-03-01T09:00:00.000Z", createdBy: "alice" },
  spec: { template: "web-db", templateVersion: "0.9.0", state, values },
  placement: { platform: "local", reason: "test" },
});

describe("instance sources: built-in templates", () => {
  it("opens a template of the catalog, and refuses one it does not have", async () => {
    const source = await open();
    expect(source).toMatchObject({ kind: "template", id: "web-db", placement: {} });
    await expect(kind.open("nothing")).rejects.toThrow(NotFoundError);
    await expect(kind.open("nothing")).rejects.toThrow('template "nothing" not found');
  });

  it("resolves launch values with the schema's defaults, and refuses images from registries not allowed", async () => {
    const source = await open();
    const values = await source.launchValues({ request: { template: "web-db", project: "demo", values: { size: "large" } }, requester });
    expect(values).toMatchObject({ size: "large", image: "web:1", greeting: "hello", storage: 5 });
    await expect(
      source.launchValues({ request: { template: "web-db", project: "demo", values: { image: "evil.example.org/web:1" } }, requester }),
    ).rejects.toThrow(InputError);
    expect(await source.placed({ request: { template: "web-db", project: "demo" }, requester }, values, localPlatform)).toEqual({
      template: "web-db",
      templateVersion: "1.2.3",
      values,
    });
  });

  it("asks what its rendered pods and volumes ask: all together and the largest pod", async () => {
    const source = await open();
    const small = source.asks(await source.launchValues({ request: { template: "web-db", project: "demo" }, requester }), { project: "demo", name: "site" });
    expect(small.total).toEqual({ cpu: 0.2, memoryGiB: 0.375, gpu: 0, instances: 1, storageGiB: 5 });
    // Each component is its own pod: the database asks the most memory of the two.
    expect(small.largestPod).toEqual({ cpu: 0.1, memoryGiB: 0.25, gpu: 0 });
    const large = source.asks(await source.launchValues({ request: { template: "web-db", project: "demo", values: { size: "large" } }, requester }), {
      project: "demo",
      name: "site",
    });
    expect(large.total).toMatchObject({ cpu: 2, memoryGiB: 3, gpu: 1 });
  });

  it("renders its objects under its own directory, replacing what was there, with its address; stopped, it asks no CPU", async () => {
    const source = await open();
    const values = await source.launchValues({ request: { template: "web-db", project: "demo" }, requester });
    const running = source.render(intent(values), localPlatform);
    expect(running.changes[0]).toEqual({ path: "rendered/local/demo/site", remove: true });
    expect(running.changes.slice(1).every((change) => change.path.startsWith("rendered/local/demo/site/"))).toBe(true);
    const deployment = running.changes.find((change) => change.path.includes("deployment-site."));
    const text = deployment && "content" in deployment ? deployment.content : "";
    expect(JSON.stringify(fromYaml(text, "deployment"))).toContain(`"value":"https://site.demo.localhost/"`);
    expect(running.asks).toMatchObject({ cpu: 0.2, storageGiB: 5 });
    expect(source.render(intent(values, "stopped"), localPlatform).asks).toMatchObject({ cpu: 0, memoryGiB: 0, storageGiB: 5 });
    expect(source.address({ platform: "local", domain: "localhost", project: "demo", instance: "site" })).toBe("https://site.demo.localhost/");
    expect(kind.renderedDir("local", "demo", "site")).toBe("rendered/local/demo/site");
  });

  it("always stops, re-resolving with the catalog's version; starting checks images again, stopping does not", async () => {
    const source = await open();
    expect(source.onExpiry(intent({}).spec)).toBe("stop");
    const stopped = await source.withState(intent({ image: "evil.example.org/web:1" }).spec, "stopped", "demo/site");
    expect(stopped).toMatchObject({ templateVersion: "1.2.3", values: { image: "evil.example.org/web:1", size: "small" } });
    await expect(source.withState(intent({ image: "evil.example.org/web:1" }).spec, "running", "demo/site")).rejects.toThrow(InputError);
    expect(await source.withState(intent({}).spec, "running", "demo/site")).toMatchObject({ templateVersion: "1.2.3", values: { image: "web:1" } });
  });

  it("moves with the catalog's version and its values checked again", async () => {
    const source = await open();
    expect(await source.moved(intent({ greeting: "hi" }).spec)).toMatchObject({ templateVersion: "1.2.3", values: { greeting: "hi", image: "web:1" } });
    await expect(source.moved(intent({ image: "evil.example.org/web:1" }).spec)).rejects.toThrow(InputError);
  });

  it("takes the catalog's registries when none are configured, reading the catalog once", async () => {
    let lists = 0;
    const counting = templateSource({ ...deps, imageRegistries: undefined, catalog: { ...deps.catalog, list: async () => (lists++, [webWithDatabase]) } });
    const source = await counting.open("web-db");
    await source.launchValues({ request: { template: "web-db", project: "demo" }, requester });
    await source.launchValues({ request: { template: "web-db", project: "demo" }, requester });
    expect(lists).toBe(1);
  });
});
