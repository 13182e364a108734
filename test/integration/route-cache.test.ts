// The proxy keeps an instance's route for a moment (ADR 5: a request needs no database read),
// so the change of a commit must reach it at once: a stopped instance is never served from
// the cache. Time stands still here (a test clock), so only the invalidation can tell.
import { describe, expect, it } from "vitest";
import { alice, memoryPlateau } from "../support/plateau.js";
import { createTestClock } from "../support/clock.js";

describe("the proxy's route cache", () => {
  it("forgets a route as soon as a commit changes the instance, with the cache's real duration", async () => {
    const clock = createTestClock();
    const { plateau, reconciler } = await memoryPlateau({ clock }, [], { proxied: { platform: "local", domain: "localhost" } });
    const router = plateau.router;
    if (!router) throw new Error("no router: the local platform is proxied here");
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    expect((await router.resolve("hello.demo.localhost:8080")).kind).toBe("upstream");

    await plateau.services.instances.stop("demo", "hello", alice);
    // No time has passed: without the commit's invalidation, the cached upstream would answer.
    const stopped = await router.resolve("hello.demo.localhost:8080");
    expect(stopped).toMatchObject({ kind: "unavailable", phase: "stopped" });

    await plateau.services.instances.remove("demo", "hello", alice);
    expect((await router.resolve("hello.demo.localhost:8080")).kind).toBe("unknown");
  });
});
