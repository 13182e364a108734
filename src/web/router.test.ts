import { describe, expect, it } from "vitest";
import { isPortalPath } from "../contracts/portal.js";
import { matchPath } from "./router.js";

describe("matchPath", () => {
  it("gives the decoded parameters of a matching path", () => {
    expect(matchPath("/projects/:project/instances/:instance", "/projects/demo/instances/hello")).toEqual({ project: "demo", instance: "hello" });
    expect(matchPath("/launch/:template", "/launch/ide%2Frstudio")).toEqual({ template: "ide/rstudio" });
    expect(matchPath("/", "/")).toEqual({});
  });

  it("refuses other lengths, other literals and undecodable segments", () => {
    expect(matchPath("/projects/:project", "/projects/demo/instances")).toBeUndefined();
    expect(matchPath("/projects/:project", "/labs/demo")).toBeUndefined();
    expect(matchPath("/labs/:lab", "/labs/%E0%A4%A")).toBeUndefined();
  });

  it("routes only what the server answers with the portal's page", () => {
    for (const path of ["/", "/catalog", "/launch/static-site", "/projects/demo/instances/x", "/labs/imb", "/platforms", "/audit", "/tokens"])
      expect(isPortalPath(path), path).toBe(true);
    for (const path of ["/api/v1/me", "/auth/sign-in", "/git/desired-state.git/info/refs", "/metrics", "/assets/index.js"])
      expect(isPortalPath(path), path).toBe(false);
  });
});
