import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { resolveValues } from "../catalog/values.js";
import { localPlatform, webWithDatabase } from "../testing/fixtures.js";
import { renderInstance, renderNamespace } from "./render.js";
import { validateObjects } from "./validate.js";

describe("validateObjects", () => {
  it("accepts what the renderer produces", () => {
    const objects = renderInstance({
      template: webWithDatabase,
      values: resolveValues(webWithDatabase, {}),
      project: "demo",
      instance: "hello",
      state: "running",
      platform: localPlatform,
      url: "http://x/",
    });
    expect(() => validateObjects([...renderNamespace("demo"), ...objects])).not.toThrow();
  });

  it("leaves the objects as they were, valid or not (it validates a copy: the objects are committed after)", () => {
    const freeze = <T>(value: T): T => {
      if (typeof value === "object" && value !== null) for (const inner of Object.values(value)) freeze(inner);
      return Object.freeze(value);
    };
    const objects = renderInstance({
      template: webWithDatabase,
      values: resolveValues(webWithDatabase, {}),
      project: "demo",
      instance: "hello",
      state: "running",
      platform: localPlatform,
      url: "http://x/",
    });
    const broken = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "one", selector: {}, template: {} } };
    const before = structuredClone([...objects, broken]);
    expect(() => validateObjects(freeze(objects))).not.toThrow();
    expect(() => validateObjects([freeze(broken)])).toThrow(InputError);
    expect([...objects, broken]).toEqual(before);
  });

  it("refuses objects that break the Kubernetes schema, naming the field", () => {
    const broken = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "one", selector: {}, template: {} } };
    try {
      validateObjects([broken]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues[0]).toMatchObject({ pointer: "/spec/replicas", rule: "type" });
    }
  });

  it("refuses kinds it cannot validate", () => {
    expect(() => validateObjects([{ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }])).toThrow(/not a kind Plateau knows/);
  });
});
