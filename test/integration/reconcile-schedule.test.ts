// The reconciler as a task of the scheduler, on a fake clock: passes woken by commits decide
// from what was last observed, periodic passes observe the engine afresh (ADR 5), so a crashed
// workload is noticed at the next interval, and not before.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports/logger.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { alice, memoryPlateau } from "../support/plateau.js";

describe("the reconciler on the scheduler", () => {
  it("notices a crashed workload at its next periodic pass, not at a pass woken by a commit", async () => {
    const clock = createFakeClock();
    const scheduler = createScheduler({ clock, timers: clock, random: { int: () => 0 }, logger: silentLogger });
    const { plateau, reconciler, engine } = await memoryPlateau({ scheduler });
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    reconciler.start(); // its first pass at once
    await reconciler.idle();
    expect(engine.applied()).toBe(1);
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");

    engine.crash("demo", "hello", "segfault");
    reconciler.wake();
    await reconciler.idle();
    expect(engine.applied()).toBe(1);

    // TEST_SETTINGS: a pass every 60 s.
    await clock.advance(59_999);
    await reconciler.idle();
    expect(engine.applied()).toBe(1);
    await clock.advance(1);
    await reconciler.idle();
    expect(engine.applied()).toBe(2);
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");
    await plateau.stop();
    await scheduler.stop();
  });
});
