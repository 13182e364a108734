// The built-in templates that can use a bucket, rendered attached to one (ADR 0031): the
// variables each provider gives, checked against Kubernetes' schemas, carried by the podman
// engine, and kept as golden files.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Template } from "../../core/catalog/template.js";
import { resolveValues } from "../../core/catalog/values.js";
import { InputError } from "../../core/errors.js";
import type { InstanceBucket } from "../../core/model.js";
import type { KubeObject } from "../../core/render/kube.js";
import { renderInstance, toManifestStream } from "../../core/render/render.js";
import { validateObjects } from "../../core/render/validate.js";
import { localPlatform, openshiftPlatform } from "../../core/testing/fixtures.js";
import { adaptForPodman } from "../podman/adapt.js";
import { loadTemplates } from "./file-catalog.js";

const templates = await loadTemplates(join(import.meta.dirname, "..", "..", "..", "catalog"));
const template = (id: string): Template => {
  const found = templates.find((candidate) => candidate.spec.id === id);
  if (!found) throw new Error(`no template ${id}`);
  return found;
};

const RGW: InstanceBucket = { name: "survey-data", platform: "local", provider: "rgw-admin", endpoint: "http://127.0.0.1:7480", region: "us-east-1", pathStyle: true };
const NOOBAA: InstanceBucket = { name: "survey-data", platform: "okd", provider: "noobaa" };

const render = (id: string, bucket: InstanceBucket | undefined, platform = localPlatform) =>
  renderInstance({
    template: template(id),
    values: resolveValues(template(id), {}),
    project: "demo",
    instance: "app",
    state: "running",
    platform,
    url: "http://app.demo.localhost:8080/",
    ...(bucket ? { bucket } : {}),
  });

type Env = { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> };
const mainEnv = (objects: KubeObject[]): Env[] => {
  const deployment = objects.find((object) => object.kind === "Deployment" && object.metadata.name === "app") as unknown as {
    spec: { template: { spec: { containers: { env: Env[] }[] } } };
  };
  return deployment.spec.template.spec.containers[0]?.env ?? [];
};
const S3_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_S3_BUCKET", "AWS_S3_PATH_STYLE"];

describe("a bucket attached to a built-in template", () => {
  it.each(["jupyter-notebook", "rstudio", "python-web"])("%s declares it can use one", (id) => {
    expect(template(id).spec.s3).toBeDefined();
  });

  it("rgw-admin: the keys from the instance's own Secret, the endpoint without its scheme and as a URL, the region, the bucket, path style", () => {
    const objects = render("jupyter-notebook", RGW);
    validateObjects(objects);
    const env = mainEnv(objects).filter((variable) => S3_NAMES.includes(variable.name));
    expect(env).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "app-generated", key: "s3-access-key-id" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "app-generated", key: "s3-secret-access-key" } } },
      { name: "AWS_S3_ENDPOINT", value: "127.0.0.1:7480" },
      { name: "AWS_ENDPOINT_URL", value: "http://127.0.0.1:7480" },
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
      { name: "AWS_S3_BUCKET", value: "survey-data" },
      { name: "AWS_S3_PATH_STYLE", value: "true" },
    ]);
  });

  it("noobaa: the keys from the claim's Secret, the rest from its ConfigMap, the endpoint expanded by Kubernetes from variables before it", () => {
    const objects = render("jupyter-notebook", NOOBAA, openshiftPlatform);
    validateObjects(objects);
    const env = mainEnv(objects);
    const names = env.map((variable) => variable.name);
    expect(env.find((variable) => variable.name === "AWS_ACCESS_KEY_ID")).toEqual({
      name: "AWS_ACCESS_KEY_ID",
      valueFrom: { secretKeyRef: { name: "survey-data", key: "AWS_ACCESS_KEY_ID" } },
    });
    expect(env.find((variable) => variable.name === "AWS_DEFAULT_REGION")).toEqual({
      name: "AWS_DEFAULT_REGION",
      valueFrom: { configMapKeyRef: { name: "survey-data", key: "BUCKET_REGION" } },
    });
    expect(env.find((variable) => variable.name === "AWS_S3_ENDPOINT")?.value).toBe("$(BUCKET_HOST):$(BUCKET_PORT)");
    // Kubernetes expands $(VAR) only from variables defined before.
    expect(names.indexOf("BUCKET_HOST")).toBeLessThan(names.indexOf("AWS_S3_ENDPOINT"));
    expect(names.indexOf("BUCKET_PORT")).toBeLessThan(names.indexOf("AWS_ENDPOINT_URL"));
    expect(JSON.stringify(objects)).not.toContain("app-generated\",\"key\":\"s3-");
  });

  it("renders the same objects each time, kept as golden files", async () => {
    expect(toManifestStream(render("jupyter-notebook", RGW))).toBe(toManifestStream(render("jupyter-notebook", RGW)));
    await expect(toManifestStream(render("jupyter-notebook", RGW))).toMatchFileSnapshot("./__golden__/jupyter-notebook-bucket-rgw-admin.yaml");
    await expect(toManifestStream(render("rstudio", NOOBAA, openshiftPlatform))).toMatchFileSnapshot("./__golden__/rstudio-bucket-noobaa.yaml");
  });

  it("without a bucket, nothing of it", () => {
    for (const id of ["jupyter-notebook", "rstudio", "python-web"]) {
      expect(mainEnv(render(id, undefined)).filter((variable) => S3_NAMES.includes(variable.name))).toEqual([]);
    }
  });

  it("a template that declares no s3 capability refuses one", () => {
    const refusal = (() => {
      try {
        render("static-site", RGW);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(InputError);
    expect((refusal as InputError).issues[0]).toMatchObject({ pointer: "/bucket", rule: "s3-capability" });
  });

  it("the podman engine carries the keys as keys of the instance's podman secret", () => {
    const objects = render("python-web", RGW);
    const secrets = { "app-generated": { "s3-access-key-id": "AKIATEST", "s3-secret-access-key": "not-a-real-secret" } };
    const plan = adaptForPodman({ installation: "test1234", project: "demo", instance: "app", hash: "h", objects, secrets, hostPort: 40000 });
    const pod = JSON.stringify(plan.pod);
    expect(pod).toContain('{"name":"AWS_ACCESS_KEY_ID","valueFrom":{"secretKeyRef":{"name":"' + (plan.secret?.name ?? "?") + '","key":"s3-access-key-id"}}}');
    expect(pod).toContain('{"name":"AWS_S3_BUCKET","value":"survey-data"}');
    expect(plan.secret?.data).toEqual(secrets["app-generated"]);
    // The keys go in the podman secret, never in the pod's definition.
    expect(pod).not.toContain("not-a-real-secret");
  });
});
