import { describe, expect, it } from "vitest";
import { forMembers, imagePullFailure, paramsForMembers } from "./messages.js";

describe("forMembers", () => {
  const detail =
    'Error: initializing source docker://127.0.0.1:18555/probe/a:1: pinging container registry 127.0.0.1:18555: Get "https://127.0.0.1:18555/v2/": dial tcp 127.0.0.1:18555: connect: connection refused';

  it("says which image could not be pulled, without the network's answer", () => {
    expect(forMembers(imagePullFailure("127.0.0.1:18555/probe/a:1", detail))).toBe("the image 127.0.0.1:18555/probe/a:1 could not be pulled");
    expect(forMembers(`apply failed: ${imagePullFailure("docker.io/x/y:1", "EOF")}`)).toBe("apply failed: the image docker.io/x/y:1 could not be pulled");
    expect(forMembers(`${imagePullFailure("docker.io/x/y:1", "read: EOF")} (next attempt in 16s)`)).toBe(
      "the image docker.io/x/y:1 could not be pulled (next attempt in 16s)",
    );
  });

  it("leaves other messages as they are", () => {
    for (const message of ["running", "container main exited with code 1: no such file", "pulling image docker.io/x/y:1", "stopped; its data is kept"])
      expect(forMembers(message)).toBe(message);
  });
});

describe("paramsForMembers", () => {
  it("takes the network's answer out of an event's values as out of its message", () => {
    expect(paramsForMembers({ action: "apply", reason: imagePullFailure("docker.io/x/y:1", "dial tcp 10.0.0.1:443: connection refused"), count: 2 })).toEqual({
      action: "apply",
      reason: "the image docker.io/x/y:1 could not be pulled",
      count: 2,
    });
  });
});
