import { describe, expect, it } from "vitest";
import { parseInstanceHost } from "./routing.js";

describe("parseInstanceHost", () => {
  it("finds the instance and project of a host under the domain", () => {
    expect(parseInstanceHost("hello.demo.localhost:8080", "localhost")).toEqual({ project: "demo", instance: "hello" });
    expect(parseInstanceHost("Hello.Demo.LocalHost", "localhost")).toEqual({ project: "demo", instance: "hello" });
    expect(parseInstanceHost("app.lab.apps.example.org.", "apps.example.org")).toEqual({ project: "lab", instance: "app" });
  });

  it("ignores hosts that are not an instance's", () => {
    for (const host of [
      "localhost:8080",
      "demo.localhost",
      "a.b.c.localhost",
      "127.0.0.1:8080",
      "hello.demo.example.org",
      "x_y.demo.localhost",
      "hello.demo.localhost.evil.org",
      "",
    ]) {
      expect(parseInstanceHost(host, "localhost"), host).toBeUndefined();
    }
  });
});
