import { describe, expect, it } from "vitest";
import { fromYaml } from "../yaml.js";
import {
  AVP_GENERATE_SCRIPT,
  AVP_PLUGIN_KEY,
  AVP_PLUGIN_NAME,
  avpBootstrapObjects,
  avpPluginDefinition,
  avpSecretReader,
  canonicalJson,
  escapeArgoEnv,
  hasSecretPlaceholders,
} from "./avp.js";
import { validateObjects } from "./validate.js";

describe("hasSecretPlaceholders", () => {
  it("finds an inline-path placeholder inside any string of the values, at any depth", () => {
    expect(hasSecretPlaceholders({ security: { password: "<path:demo:lab-generated#one-time-password>" } })).toBe(true);
    expect(hasSecretPlaceholders({ list: [1, { url: "https://u:<path:demo:lab-generated#project-password>@git.example.org" }] })).toBe(true);
    expect(hasSecretPlaceholders("<path:demo:lab-generated#security.password>")).toBe(true);
  });

  it("finds none in ordinary values, in keys, or in half-placeholders", () => {
    expect(hasSecretPlaceholders({ a: "a <b> c", b: "<path:demo:x>", c: "path:demo:x#y", d: 3, e: null, f: true, g: [] })).toBe(false);
    expect(hasSecretPlaceholders({ "<path:demo:x#y>": "key only" })).toBe(false);
    expect(hasSecretPlaceholders(undefined)).toBe(false);
  });
});

describe("the plugin's environment", () => {
  it("doubles every $ so that Argo CD's substitution gives the text back", () => {
    expect(escapeArgoEnv("a$b ${C} $$ $")).toBe("a$$b $${C} $$$$ $$");
    expect(escapeArgoEnv("no dollar")).toBe("no dollar");
  });

  it("writes values as JSON with sorted keys, whatever their order", () => {
    expect(canonicalJson({ b: [{ d: 1, c: "x" }], a: null })).toBe('{"a":null,"b":[{"c":"x","d":1}]}');
    expect(JSON.parse(canonicalJson({ 'quote"key': "line\nbreak" }))).toEqual({ 'quote"key': "line\nbreak" });
  });
});

describe("the plugin's definition and configuration", () => {
  it("runs one constant bash command that reads everything from the environment, quoted", () => {
    const definition = avpPluginDefinition() as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(definition.metadata.name).toBe(AVP_PLUGIN_NAME);
    expect(definition.spec).toEqual({ generate: { command: ["bash", "-c"], args: [AVP_GENERATE_SCRIPT] }, allowConcurrency: true, lockRepo: false });
    // No discovery: only Applications that name it are handed to it.
    expect(definition.spec).not.toHaveProperty("discover");
    // Every variable it expands is quoted (the array expansion is the quoted "${capabilities[@]}").
    const unquoted = AVP_GENERATE_SCRIPT.split("\n").flatMap((line) => [...line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, "").matchAll(/\$\{?[A-Za-z_]/g)]);
    expect(unquoted.map((match) => match.input)).toEqual(["  --namespace  ${capabilities[@]+} --values <(printf  ) |"]);
    expect(AVP_GENERATE_SCRIPT).toContain("set -euo pipefail");
    expect(AVP_GENERATE_SCRIPT).toMatch(/\| *\n? *argocd-vault-plugin generate -\n$/);
  });

  it("is two ConfigMaps of Argo CD's namespace, the definition as the file the sidecar mounts, valid against Kubernetes' schemas", () => {
    const objects = avpBootstrapObjects("argocd", { "app.kubernetes.io/managed-by": "plateau" });
    expect(() => validateObjects(objects)).not.toThrow();
    const [config, plugin] = objects as unknown as { metadata: { namespace: string }; data: Record<string, string> }[];
    expect(config?.data).toEqual({ AVP_TYPE: "kubernetessecret" });
    expect(fromYaml(plugin?.data[AVP_PLUGIN_KEY] ?? "", "plugin.yaml")).toEqual(avpPluginDefinition());
    for (const object of objects) expect(object.metadata.namespace).toBe("argocd");
  });

  it("grants get on Secrets of one namespace to the repo-server's service account, valid against Kubernetes' schemas", () => {
    const objects = avpSecretReader({ namespace: "demo", argocdNamespace: "argocd", serviceAccount: "argocd-repo-server", labels: {} });
    expect(() => validateObjects(objects)).not.toThrow();
    expect(objects.map((object) => `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`)).toEqual([
      "Role/demo/plateau-argocd-secret-reader",
      "RoleBinding/demo/plateau-argocd-secret-reader",
    ]);
    expect((objects[0] as unknown as { rules: unknown }).rules).toEqual([{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]);
  });
});
