import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { webWithDatabase } from "../testing/fixtures.js";
import { catalogRegistries, checkImageValues, forbiddenRegistryProblem, imageReferenceProblem, registryOf } from "./images.js";
import { resolveValues } from "./values.js";

const ALLOWED = ["docker.io", "quay.io", "localhost"];

describe("registryOf", () => {
  it("reads references as podman does: a first part with a dot or a colon, or localhost, is a registry", () => {
    expect(registryOf("nginx")).toBe("docker.io");
    expect(registryOf("nginx:1.27")).toBe("docker.io");
    expect(registryOf("library/nginx:1.27")).toBe("docker.io");
    expect(registryOf("docker.io/library/nginx:1.27")).toBe("docker.io");
    expect(registryOf("index.docker.io/library/nginx")).toBe("docker.io");
    expect(registryOf("Quay.IO/jupyter/minimal-notebook:2024-12-09")).toBe("quay.io");
    expect(registryOf("localhost/plateau-test-site:4")).toBe("localhost");
    expect(registryOf("localhost:5000/x")).toBe("localhost:5000");
    expect(registryOf("127.0.0.1:18555/probe/a:1")).toBe("127.0.0.1:18555");
    expect(registryOf("[::1]:5000/x")).toBe("[::1]:5000");
    expect(registryOf("nginx@sha256:0123")).toBe("docker.io");
  });
});

describe("forbiddenRegistryProblem", () => {
  it.each([
    "127.0.0.1:18555",
    "127.1.2.3",
    "10.0.0.5:5000",
    "172.16.0.1",
    "172.31.255.255:443",
    "192.168.1.10",
    "169.254.169.254",
    "0.0.0.0:80",
    "localhost:5000",
    "localhost:80",
    "registry.localhost",
    "[::1]:5000",
    "[::]:5000",
    "[0:0:0:0:0:0:0:1]",
    "[fd00::1]:5000",
    "[fc12:3456::1]",
    "[fe80::1]",
    "[::ffff:127.0.0.1]:5000",
    "[::ffff:10.1.2.3]",
    "127.1:5000",
    "0x7f.0.0.1",
    "2130706433:5000",
    "999.1.1.1",
    "0177.0.0.1:5000",
    "012.0.0.1", // 10.0.0.1 to inet_aton
    "127.0.0.1.:5000",
    "localhost.:5000",
    "LOCALHOST:5000",
    "registry.localhost.",
    "[::127.0.0.1]:5000",
    "[::7f00:1]",
    "[64:ff9b::127.0.0.1]:5000",
    "[64:ff9b::a00:5]",
    "[2002:7f00:1::]:5000",
    "[2002:c0a8:10a::1]",
  ])("refuses %s", (registry) => {
    expect(forbiddenRegistryProblem(registry)).toBeDefined();
  });

  it.each(["docker.io", "quay.io", "ghcr.io", "registry.example.org:5000", "8.8.8.8", "172.32.0.1", "192.169.0.1", "[2001:db8::1]:5000", "[64:ff9b::808:808]", "[2002:808:808::1]", "localhost"])(
    "lets %s through (the allow-list decides)",
    (registry) => {
      expect(forbiddenRegistryProblem(registry)).toBeUndefined();
    },
  );
});

describe("imageReferenceProblem", () => {
  it("allows the allowed registries and podman's local images", () => {
    expect(imageReferenceProblem("docker.io/nginxinc/nginx-unprivileged:1.27-alpine", ALLOWED)).toBeUndefined();
    expect(imageReferenceProblem("nginx:1.27", ALLOWED)).toBeUndefined();
    expect(imageReferenceProblem("localhost/plateau-test-site:4", ALLOWED)).toBeUndefined();
  });

  it("refuses loopback and private addresses even when allowed, and other registries", () => {
    expect(imageReferenceProblem("127.0.0.1:18555/probe/a:1", [...ALLOWED, "127.0.0.1:18555"])).toMatchObject({ rule: "image-address" });
    expect(imageReferenceProblem("localhost:5000/x", ALLOWED)).toMatchObject({ rule: "image-address" });
    expect(imageReferenceProblem("ghcr.io/someone/thing:1", ALLOWED)).toEqual({
      rule: "image-registry",
      message: "must come from an allowed registry (docker.io, localhost, quay.io), not ghcr.io",
    });
    expect(imageReferenceProblem("internal.example.org:8080/x", ALLOWED)).toMatchObject({ rule: "image-registry" });
  });
});

describe("checkImageValues", () => {
  it("names the value and the rule of a refused image, before anything is rendered", () => {
    const values = resolveValues(webWithDatabase, { image: "127.0.0.1:18555/probe/a:1" });
    let error: unknown;
    try {
      checkImageValues(webWithDatabase, values, ALLOWED);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toEqual([{ pointer: "/values/image", rule: "image-address", message: expect.stringContaining("127.0.0.1:18555") }]);
    expect((error as InputError).message).toMatch(/^invalid values for web-db: \/values\/image must not name a registry/);
  });

  it("checks the image a choice ($if) renders: an empty list is not set, as the renderer reads it", () => {
    const template = structuredClone(webWithDatabase);
    const component = template.spec.components[0];
    if (!component) throw new Error("the fixture has a component");
    (component as { image: unknown }).image = { $if: "/mirrors", then: "docker.io/library/nginx:1", else: { $value: "/image" } };
    const values = { ...resolveValues(webWithDatabase, {}), mirrors: [], image: "127.0.0.1:18555/probe/a:1" };
    expect(() => checkImageValues(template, values, ALLOWED)).toThrow(/\/values\/image must not name a registry/);
  });

  it("accepts the defaults, and images the template itself names", () => {
    expect(() => checkImageValues(webWithDatabase, resolveValues(webWithDatabase, {}), ALLOWED)).not.toThrow();
  });

  it("takes the catalog's registries, and localhost, as the default allow-list", () => {
    expect(catalogRegistries([webWithDatabase])).toEqual(["docker.io", "localhost"]);
  });
});
