// The `recovery drills` task on a fake clock (ADR 0034): a backed-up project whose latest drill
// (or creation) is older than drillEveryDays gets a notice, once per time it falls due — not
// every hour —; a drill makes it due again later, and a new notice then.
import { describe, expect, it } from "vitest";
import { createMemoryNoticeStore } from "../../src/adapters/memory/memory-notice-store.js";
import { parseProject, serialize } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { cryptoRandom } from "../../src/adapters/system/system.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("the overdue drills' task", () => {
  it("sends one notice per due date to the project's owners, and a new one after a drill falls due again", async () => {
    const clock = createFakeClock("2026-03-01T09:00:00.000Z");
    const scheduler = createScheduler({ clock, timers: clock, random: cryptoRandom, logger: silentLogger });
    const notices = createMemoryNoticeStore();
    const { plateau, repo } = await memoryPlateau({ clock, scheduler, notices });
    for (const name of ["demo", "plain"]) await plateau.services.projects.create({ name, lab: "imb" }, alice);
    const head = await repo.head();
    const demo = parseProject((await repo.readFile(head ?? "", projectPath("demo"))) ?? "", "demo");
    await repo.commit({
      parent: head,
      author: { name: "oscar", email: "oscar@example.org" },
      message: "demo is backed up, drilled every 10 days",
      trailers: {},
      changes: [{ path: projectPath("demo"), content: serialize({ ...demo, spec: { ...demo.spec, recovery: { backups: true, drillEveryDays: 10 } } }) }],
    });
    await plateau.refresh();
    const task = plateau.overdueDrills;
    if (!task) throw new Error("no overdue drills task: notices are configured");
    task.start();
    const settle = async (ms: number) => {
      await clock.advance(ms);
      await scheduler.idle();
    };

    await settle(9 * DAY);
    expect(await notices.listFor("alice", 10)).toEqual([]);
    await settle(DAY + 2 * HOUR);
    const first = await notices.listFor("alice", 10);
    expect(first).toEqual([
      expect.objectContaining({
        key: "drill-overdue:demo:2026-03-11T09:00:00.000Z",
        kind: "drill-overdue",
        project: "demo",
        action: "run-drill",
        params: expect.objectContaining({ project: "demo", days: 10, since: "2026-03-01T09:00:00.000Z" }),
      }),
    ]);
    // Every hour it finds the same overdue drill: the same key, no new notice.
    await settle(2 * DAY);
    expect(await notices.listFor("alice", 10)).toHaveLength(1);
    expect((await plateau.services.recovery.projectRecovery("demo")).drillOverdue).toBe(true);
    // plain is not backed up: never overdue.
    expect((await plateau.services.recovery.projectRecovery("plain")).drillOverdue).toBe(false);

    // A drill now: no longer overdue; ten days later, overdue again, a new notice.
    const drilledAt = clock.now().toISOString();
    await plateau.services.drillReports.add({
      id: "d1",
      platform: "local",
      recoverySite: "local",
      startedAt: drilledAt,
      finishedAt: drilledAt,
      scratchProject: "drill-local-d10000",
      overheadSeconds: 0,
      instances: [
        { project: "demo", instance: "site", backup: null, rpoSeconds: null, rtoSeconds: null, answered: false, error: { code: "no-backup", message: "" } },
      ],
    });
    await settle(5 * DAY);
    expect((await plateau.services.recovery.projectRecovery("demo")).drillOverdue).toBe(false);
    expect(await notices.listFor("alice", 10)).toHaveLength(1);
    await settle(6 * DAY);
    const second = await notices.listFor("alice", 10);
    expect(second.map((notice) => notice.key)).toEqual([`drill-overdue:demo:${new Date(Date.parse(drilledAt) + 10 * DAY).toISOString()}`, first[0]?.key]);
    await task.pause();
  }, 60_000);
});
