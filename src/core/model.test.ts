import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { API_VERSION, parseInstance, serialize, type InstanceDocument } from "./model.js";

const intent = (rendered?: unknown): InstanceDocument =>
  ({
    apiVersion: API_VERSION,
    kind: "Instance",
    metadata: { name: "db", project: "demo", createdAt: "2026-03-01T09:00:00.000Z", createdBy: "alice" },
    spec: { template: "ide/db", templateVersion: "1.0.0", state: "running", values: {}, ...(rendered !== undefined ? { rendered } : {}) },
    placement: { platform: "plmshift", reason: "test" },
  }) as InstanceDocument;

describe("an instance's spec.rendered", () => {
  const rendered = { requests: { cpu: 1.5, memoryGiB: 3, gpu: 0, storageGiB: 8 }, largestPod: { cpu: 1, memoryGiB: 2, gpu: 0 }, host: "db.demo.example.org" };

  it("is read back as written, and may be absent", () => {
    expect(parseInstance(serialize(intent(rendered)), "db.yaml").spec.rendered).toEqual(rendered);
    expect(parseInstance(serialize(intent()), "db.yaml").spec).not.toHaveProperty("rendered");
  });

  it.each([
    ["a host that is no DNS name", { ...rendered, host: "https://db.example.org/" }, "/spec/rendered/host"],
    ["a wildcard host", { ...rendered, host: "*.example.org" }, "/spec/rendered/host"],
    ["a negative request", { ...rendered, requests: { ...rendered.requests, cpu: -1 } }, "/spec/rendered/requests/cpu"],
    ["a field of its own", { ...rendered, url: "x" }, "/spec/rendered"],
  ])("refuses %s", (_name, value, pointer) => {
    const read = () => parseInstance(serialize(intent(value)), "db.yaml");
    expect(read).toThrow(InputError);
    expect(read).toThrow(pointer);
  });
});
