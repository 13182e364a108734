/// <reference types="vite/client" />
// A platform's region: the rules a platform file is refused by (naming the field and the rule),
// the node selector and tolerations of each pool, the pool a pod lands on, and what charts read
// as `region.*` and `k8s.*`. The community's example platforms are read as they are.
import { describe, expect, it } from "vitest";
import plmappsText from "../../../examples/community/platforms/plmapps.yaml?raw";
import plmoppText from "../../../examples/community/platforms/plmopp.yaml?raw";
import plmshiftText from "../../../examples/community/platforms/plmshift.yaml?raw";
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { InputError, type InputIssue } from "../errors.js";
import { parsePlatform, type PlatformDocument } from "../model.js";
import { poolFor } from "../placement/place.js";
import { toYaml } from "../yaml.js";
import { regionContextOf, schedulingOf, tolerates } from "./region.js";

const plmshift = parsePlatform(plmshiftText, "platforms/plmshift.yaml");
const plmvshift = parsePlatform(plmvshiftText, "platforms/plmvshift.yaml");
const pool = (platform: PlatformDocument, name: string) => platform.spec.pools?.find((candidate) => candidate.name === name);

/** The issues a platform file is refused with, once its spec is changed. */
function issuesOf(base: PlatformDocument, change: (spec: Record<string, unknown>) => void): readonly InputIssue[] {
  const document = structuredClone(base) as unknown as { spec: Record<string, unknown> };
  change(document.spec);
  try {
    parsePlatform(toYaml(document), "platforms/test.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).issues;
  }
  throw new Error("the platform was accepted");
}
const region = (spec: Record<string, unknown>) => spec.region as Record<string, Record<string, unknown>>;

describe("a platform's region: the community's examples", () => {
  it("are accepted: OpenShift platforms use Routes, the Kubernetes one its ingress class, each a securityContext of its profile", () => {
    for (const [name, text] of [
      ["plmapps", plmappsText],
      ["plmopp", plmoppText],
      ["plmshift", plmshiftText],
    ] as const) {
      const { k8s, region } = regionContextOf(parsePlatform(text, name));
      expect(k8s).toMatchObject({ route: true, ingress: false });
      expect(region.openshiftSCC).toEqual({ enabled: false, scc: "" });
      expect(region.customValues).toMatchObject({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } });
    }
    const { k8s, region } = regionContextOf(plmvshift);
    expect(k8s).toMatchObject({ domain: "apps.plmvshift.example.org", ingressClassName: "nginx", ingress: true, route: false });
    expect(k8s.initScriptUrl).toMatch(/^https:\/\//);
    expect(region.customValues).toMatchObject({ podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
  });
});

describe("a platform's region: the pool a pod lands on, and what it carries there", () => {
  it("puts a GPU pod on the GPU pool with its node selector and a toleration of its taint, and other pods elsewhere", () => {
    const vgpu = poolFor(plmshift, { cpu: 1, memoryGiB: 4, gpu: 1 });
    expect(vgpu?.name).toBe("vgpu");
    expect(schedulingOf(plmshift, vgpu)).toEqual({
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    });
    const general = poolFor(plmshift, { cpu: 1, memoryGiB: 4, gpu: 0 });
    expect(general?.name).toBe("general");
    expect(schedulingOf(plmshift, general)).toEqual({ nodeSelector: {}, tolerations: [] });
    // Only the big-memory nodes hold 500 GiB: its labels select them.
    const bigmem = poolFor(plmshift, { cpu: 4, memoryGiB: 500, gpu: 0 });
    expect(schedulingOf(plmshift, bigmem)).toEqual({ nodeSelector: { "plateau.io/pool": "bigmem" }, tolerations: [] });
    expect(poolFor(plmvshift, { cpu: 4, memoryGiB: 4, gpu: 1 })).toBeUndefined();
  });

  it("tolerates a pool's taints by itself when the region says nothing of the pool", () => {
    const bare = structuredClone(plmshift);
    delete bare.spec.region;
    expect(schedulingOf(bare, pool(bare, "vgpu")).tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(tolerates({ key: "nvidia.com/gpu", operator: "Equal", value: "a100", effect: "NoSchedule" }, { key: "nvidia.com/gpu", effect: "NoSchedule" })).toBe(
      false,
    );
    expect(tolerates({ operator: "Exists" }, { key: "anything", effect: "NoExecute" })).toBe(true);
  });

  it("gives charts the pool's node selector and tolerations as region.nodeSelector and region.tolerations", () => {
    const { region } = regionContextOf(plmshift, pool(plmshift, "vgpu"));
    expect(region).toMatchObject({
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      defaultNetworkPolicy: true,
      resources: { cpuRequest: "100m", memoryLimit: "8Gi" },
    });
    expect(regionContextOf(plmshift, pool(plmshift, "general")).region).not.toHaveProperty("tolerations");
  });

  it("gives charts the init script's checksum the region declares as k8s.initScriptCheckSum, and none when it declares none", () => {
    const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const checked = structuredClone(plmvshift);
    checked.spec.region = { ...checked.spec.region, initScriptCheckSum: sum };
    const { k8s } = regionContextOf(parsePlatform(toYaml(checked), "platforms/plmvshift.yaml"));
    expect(k8s).toMatchObject({ initScriptUrl: plmvshift.spec.region?.initScript, initScriptCheckSum: sum });
    expect(regionContextOf(plmvshift).k8s).not.toHaveProperty("initScriptCheckSum");
  });

  it("gives a preview (no platform chosen yet) no region: charts keep their own defaults", () => {
    expect(regionContextOf(undefined)).toEqual({ k8s: { domain: "example.invalid", ingress: true, route: false }, region: {} });
  });
});

describe("a platform's region: what a platform file is refused for", () => {
  it("a pool whose pods would not tolerate its taints", () => {
    const derived = structuredClone(plmshift);
    delete derived.spec.region?.pools;
    expect(parsePlatform(toYaml(derived), "platforms/test.yaml").spec.region?.pools).toBeUndefined(); // tolerated: derived from the taint
    expect(
      issuesOf(plmshift, (spec) => {
        (region(spec).pools as Record<string, Record<string, unknown>>).vgpu = { tolerations: [{ key: "gpu", operator: "Exists" }] };
      }),
    ).toEqual([expect.objectContaining({ pointer: "/spec/region/pools/vgpu/tolerations", rule: "tolerates-taints" })]);
  });

  it("a pool the platform does not declare, and a node selector its nodes do not carry", () => {
    expect(issuesOf(plmshift, (spec) => ((region(spec).pools as Record<string, unknown>).tpu = {}))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/pools/tpu", rule: "pool-exists" }),
    ]);
    expect(
      issuesOf(plmshift, (spec) => {
        (region(spec).pools as Record<string, Record<string, unknown>>).vgpu!.nodeSelector = { "nvidia.com/gpu.product": "A100" };
      }),
    ).toEqual([expect.objectContaining({ pointer: "/spec/region/pools/vgpu/nodeSelector", rule: "matches-labels" })]);
  });

  it("a Route on a Kubernetes platform", () => {
    expect(issuesOf(plmvshift, (spec) => (region(spec).expose!.route = true))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/expose/route", rule: "flavour" }),
    ]);
  });

  it("default resources outside the sliders, in another unit, or a request above its limit", () => {
    const resources = (spec: Record<string, unknown>) => region(spec).defaultConfiguration!.resources as Record<string, string>;
    expect(issuesOf(plmvshift, (spec) => (resources(spec).memoryLimit = "100Gi"))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/defaultConfiguration/resources/memoryLimit", rule: "within-slider" }),
    ]);
    expect(issuesOf(plmvshift, (spec) => (resources(spec).cpuLimit = "2"))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/defaultConfiguration/resources/cpuLimit", rule: "slider-unit" }),
    ]);
    expect(issuesOf(plmvshift, (spec) => (resources(spec).cpuRequest = "4000m"))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/defaultConfiguration/resources/cpuRequest", rule: "request-within-limit" }),
    ]);
  });

  it("a checksum of the init script that is not a SHA-256 in hex, or without an init script", () => {
    const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    for (const wrong of [`sha256:${sum}`, sum.toUpperCase(), sum.slice(1)])
      expect(issuesOf(plmvshift, (spec) => ((region(spec) as Record<string, unknown>).initScriptCheckSum = wrong))).toEqual([
        expect.objectContaining({ pointer: "/spec/region/initScriptCheckSum", rule: "pattern" }),
      ]);
    expect(
      issuesOf(plmvshift, (spec) => {
        const own = region(spec) as Record<string, unknown>;
        delete own.initScript;
        own.initScriptCheckSum = sum;
      }),
    ).toEqual([expect.objectContaining({ pointer: "/spec/region/initScriptCheckSum", rule: "requires-init-script" })]);
  });

  it("what JSON Schema refuses: an init script not over https, an unknown key", () => {
    expect(issuesOf(plmvshift, (spec) => ((region(spec) as Record<string, unknown>).initScript = "http://example.org/init.sh"))).toEqual([
      expect.objectContaining({ pointer: "/spec/region/initScript", rule: "pattern" }),
    ]);
    expect(issuesOf(plmvshift, (spec) => ((region(spec) as Record<string, unknown>).quotas = {}))[0]).toMatchObject({ pointer: "/spec/region/quotas" });
  });
});
