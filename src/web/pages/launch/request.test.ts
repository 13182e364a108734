import { describe, expect, it } from "vitest";
import { isChart, launchBody, placementBody, readRequestKey, requestKey, sourcePath } from "./request.js";

describe("the launch as a request", () => {
  it("reads a template's form by id, a chart's with the project, language and chosen version, every segment encoded", () => {
    expect(isChart("jupyter-notebook")).toBe(false);
    expect(isChart("ide/jupyter-python")).toBe(true);
    expect(sourcePath("jupyter-notebook", "alice", "fr", "")).toBe("/templates/jupyter-notebook");
    expect(sourcePath("ide/jupyter-python", "p 1", "fr", "")).toBe("/charts/ide/jupyter-python?project=p+1&lang=fr");
    expect(sourcePath("ide/jupyter-python", "alice", "en", "2.1.0")).toBe("/charts/ide/jupyter-python?project=alice&lang=en&version=2.1.0");
    expect(sourcePath("a?b/c#d", "alice", "en", "")).toBe("/charts/a%3Fb/c%23d?project=alice&lang=en");
  });

  it("asks about a chart's chosen version only, and sends the name only when one is given", () => {
    const values = { size: "small" };
    expect(placementBody("jupyter-notebook", "2.1.0", values)).toEqual({ template: "jupyter-notebook", values });
    expect(placementBody("ide/jupyter-python", "", values)).toEqual({ template: "ide/jupyter-python", values });
    expect(placementBody("ide/jupyter-python", "2.1.0", values)).toEqual({ template: "ide/jupyter-python", version: "2.1.0", values });
    const question = placementBody("jupyter-notebook", "", values);
    expect(launchBody(question, "")).toEqual(question);
    expect(launchBody(question, "nb")).toEqual({ ...question, name: "nb" });
  });

  it("keys equal questions alike, whatever objects hold them, and reads a key back as the request sends it", () => {
    const body = { template: "jupyter-notebook", values: { size: "small", extra: undefined } };
    expect(requestKey("alice", body)).toBe(requestKey("alice", { template: "jupyter-notebook", values: { size: "small" } }));
    expect(requestKey("alice", body)).not.toBe(requestKey("bob", body));
    expect(requestKey("alice", body)).not.toBe(requestKey("alice", launchBody(body, "nb")));
    expect(readRequestKey(requestKey("alice", body))).toEqual({ project: "alice", body: JSON.parse(JSON.stringify(body)) });
  });
});
