// What anyone writes into the audit log reaches the terminals of lab admins and operators
// (`plateau audit`): the command shows it, never obeys it. A member of a lab writes terminal
// escapes there through the API (a token id to revoke, the name of a refused token), and the
// program reads the log in this process, against an API server listening on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { memoryApp } from "../support/app.js";

let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  fixture = await memoryApp();
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const plateau = (token: string, ...args: string[]) => runCli(server, token, ...args);

describe("plateau audit", () => {
  it("shows what others wrote into the log without obeying it: control and bidirectional characters are written out", async () => {
    const bob = await fixture.as("bob");
    // Clears the screen and sets the terminal's title; then reverses what follows on display.
    const escape = "\u001b[2J\u001b]0;owned\u0007";
    const revoked = await fixture.app.inject({ method: "DELETE", url: `/api/v1/tokens/${encodeURIComponent(`x${escape}`)}`, headers: bob });
    expect(revoked.statusCode).toBe(404);
    const refused = await fixture.app.inject({ method: "POST", url: "/api/v1/tokens", headers: bob, payload: { name: `ci\u202Eexe.txt${escape}` } });
    expect(refused.statusCode).toBe(400);

    // Lea administers bob's lab: she reads his attempts; Oscar operates Plateau: he reads them all.
    for (const reader of ["lea", "oscar"] as const) {
      const audit = await plateau(await fixture.tokenOf(reader), "audit");
      expect(audit.code, reader).toBe(0);
      // What was sent is there, written out…
      expect(audit.stdout, reader).toContain("x\\u{1b}[2J\\u{1b}]0;owned\\u{7}");
      if (reader === "oscar") expect(audit.stdout).toContain("ci\\u{202e}exe.txt\\u{1b}[2J");
      // …and nothing a terminal would act on.
      // eslint-disable-next-line no-control-regex
      expect(audit.stdout, reader).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
