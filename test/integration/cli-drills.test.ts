// `plateau recovery drill|drills|project` in this process against an API server, over the memory
// engine and memory volume backups: the operator's drill and its table, the list, a member's
// view of their project's recovery, and another lab's person told it does not exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { durationText } from "../../src/cli/drill-commands.js";
import { parseProject, serialize } from "../../src/core/model.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { memoryApp, type Person } from "../support/app.js";
import { runCli } from "../support/cli.js";

const backups = createMemoryVolumeBackups("local");
let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  fixture = await memoryApp({
    adapters: { volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) }, answers: async () => true },
  });
  const { repo, plateau } = fixture;
  const head = await repo.head();
  const demo = parseProject((await repo.readFile(head ?? "", projectPath("demo"))) ?? "", "demo");
  await repo.commit({
    parent: head,
    author: { name: "oscar", email: "oscar@example.org" },
    message: "demo is backed up, a drill every 30 days",
    trailers: {},
    changes: [{ path: projectPath("demo"), content: serialize({ ...demo, spec: { ...demo.spec, recovery: { backups: true, drillEveryDays: 30 } } }) }],
  });
  await plateau.refresh();
  await plateau.services.instances.launch(
    { template: "static-site", project: "demo", name: "site", platform: "local" },
    { login: "alice", name: "alice", email: "a@example.org" },
  );
  await fixture.reconciler.reconcileOnce();
  await backups.backup("demo", "site", { id: "20261201T090000Z-abcd", takenAt: new Date(Date.now() - 2 * 3600_000) });
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const plateau = async (who: Person, ...args: string[]) => runCli(server, await fixture.tokenOf(who), ...args);

describe("plateau recovery drill, drills, project", () => {
  it("runs a drill for an operator and prints RPO, RTO and whether each copy answered", async () => {
    const refused = await plateau("alice", "recovery", "drill", "local");
    expect(refused.code).not.toBe(0);
    const drill = await plateau("oscar", "recovery", "drill", "local");
    expect(drill.stderr).toBe("");
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/^Drill \S+ of local on local/);
    expect(drill.stdout).toMatch(/INSTANCE\s+BACKUP\s+BACKUP AGE \(RPO\)\s+RTO\s+ANSWERED/);
    expect(drill.stdout).toMatch(/demo\/site\s+20261201T090000Z-abcd\s+2 h 00 min\s+[\d.]+ s\s+yes/);
    const listed = await plateau("oscar", "recovery", "drills", "--platform", "local");
    expect(listed.stdout).toMatch(/DRILL\s+PLATFORM\s+STARTED\s+INSTANCES\s+ANSWERED\s+OVERHEAD\n\S+\s+local\s+.+\s+1\s+1\s+/);
  });

  it("shows a project's recovery to its members, and nothing to another lab's person", async () => {
    const view = await plateau("alice", "recovery", "project", "demo");
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("Backed up every 24 h, kept 14 days (its project file says so); a drill every 30 days.");
    expect(view.stdout).toMatch(/site\s+local\s+20261201T090000Z-abcd/);
    expect(view.stdout).toMatch(/Latest drill: \S+/);
    expect(view.stdout).toMatch(/Next drill due /);
    const json = JSON.parse((await plateau("alice", "recovery", "project", "demo", "--json")).stdout) as { drillOverdue: boolean };
    expect(json.drillOverdue).toBe(false);
    const hidden = await plateau("bob", "recovery", "project", "demo");
    expect(hidden.code).not.toBe(0);
    expect(hidden.stderr).toMatch(/not found|does not exist/i);
  });

  it("words durations for people", () => {
    expect([durationText(null), durationText(4.25), durationText(125), durationText(7200), durationText(3 * 86400 + 3600)]).toEqual([
      "-",
      "4.3 s",
      "2 min 05 s",
      "2 h 00 min",
      "3 d 1 h",
    ]);
  });
});
