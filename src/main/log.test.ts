import { describe, expect, it } from "vitest";
import { logsForPeople } from "./log.js";

describe("who plateau up writes its logs for", () => {
  it("writes readable lines when either output is a terminal, JSON lines otherwise, unless PLATEAU_LOG_FORMAT says", () => {
    expect(logsForPeople(undefined, { stdout: true, stderr: false })).toBe(true);
    expect(logsForPeople(undefined, { stdout: false, stderr: true })).toBe(true);
    expect(logsForPeople(undefined, { stdout: false, stderr: false })).toBe(false);
    expect(logsForPeople("json", { stdout: true, stderr: true })).toBe(false);
    expect(logsForPeople("text", { stdout: false, stderr: false })).toBe(true);
  });
});
