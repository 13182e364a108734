// The `plateau` program, in this process, against an API server listening on loopback:
// `renew`, and the expiry `ls` and `status` show. (The rest of the command line runs as a real
// process against a real Plateau in test/e2e.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { memoryApp } from "../support/app.js";

let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;
let token: string;

beforeAll(async () => {
  fixture = await memoryApp();
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
  token = await fixture.tokenOf("alice");
  const launched = await fixture.inject({ method: "POST", url: "/api/v1/projects/demo/instances", payload: { template: "static-site", name: "hello" } });
  expect(launched.statusCode).toBe(202);
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const plateau = (...args: string[]) => runCli(server, token, ...args);

describe("plateau renew, and expiry in ls and status", () => {
  it("shows when each instance expires", async () => {
    const ls = await plateau("ls", "--project", "demo");
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/CREATED\s+EXPIRES\n/);
    expect(ls.stdout).toMatch(/demo\/hello\s+static-site\s+pending\s+local\s+\S+\s+.*\s+in 30 days$/m);
    const status = await plateau("status", "demo/hello");
    expect(status.stdout).toMatch(/^Expires {3}\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 30 days\); plateau renew demo\/hello keeps it longer$/m);
  });

  it("renews by the server's default or the days asked, and says what the server refuses", async () => {
    const renewed = await plateau("renew", "demo/hello");
    expect(renewed).toMatchObject({ code: 0, stderr: "" });
    expect(renewed.stdout).toMatch(/^✓ demo\/hello now expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 60 days\) \(commit [0-9a-f]{7}\)$/);
    expect((await plateau("renew", "demo/hello", "--days", "5")).stdout).toContain("(in 65 days)");
    const json = await plateau("renew", "demo/hello", "--days", "1", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ commit: expect.any(String), instance: { name: "hello", expiresAt: expect.any(String) } });

    const tooFar = await plateau("renew", "demo/hello", "--days", "400");
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(/^plateau: \/days: renewing by 400 days would make it expire on .* renew by at most 299 days$/);
    expect((await plateau("renew", "demo/hello", "--days", "0")).stderr).toBe("plateau: --days must be at least 1");
    expect((await plateau("renew", "demo/ghost")).stderr).toBe('plateau: instance "demo/ghost" not found');

    expect((await plateau("stop", "demo/hello")).code).toBe(0);
    const stopped = await plateau("renew", "demo/hello");
    expect(stopped.stderr).toMatch(/^plateau: demo\/hello is stopped: .*Start it \(plateau start demo\/hello\): it then runs for 30 days$/);
    expect(stopped.code).not.toBe(0);
    expect((await plateau("ls", "--project", "demo")).stdout).toMatch(/demo\/hello\s.*\s-$/m);
  });

  it("explains expiry in its help", async () => {
    const help = await plateau("renew", "--help");
    expect(help.stdout).toContain("Usage: plateau renew [options] <project/instance>");
    expect(help.stdout).toContain("-d, --days <n>");
    expect(help.stdout).toContain("Plateau stops them; their data is kept");
    expect((await plateau("--help")).stdout).toMatch(/renew \[options\] <project\/instance>\s+Keep a running instance longer/);
  });
});
