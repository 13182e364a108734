import { mkdtemp, rm } from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../core/ports/logger.js";
import { describeEngineContract } from "../../core/ports/engine.contract.js";
import { cleanPodmanProject, countingListener, httpGet, podmanUnavailable, TEST_IMAGE } from "../../../test/support/podman.js";
import { run } from "../process.js";
import { testWebObjects } from "../../../test/support/test-web.js";
import { createMemoryEngine } from "../memory/memory-engine.js";
import { createPodmanEngine, CUT_NOTE, HISTORY_CUT_NOTE, MAX_BATCH_CHARS, MAX_HISTORY_CHARS, MAX_LOG_LINE } from "./podman-engine.js";

/** A podman engine of its own installation over a fresh runtime directory; `dispose` removes the directory. */
async function scratchEngine(installation: string) {
  const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
  const engine = createPodmanEngine({ runtimeDir, installation, stopTimeoutSeconds: 0, startupTimeoutMs: 30_000, logger: silentLogger });
  return { engine, dispose: () => rm(runtimeDir, { recursive: true, force: true }) };
}

type TestContainer = { image: string; command?: string[] };

/** The test web unit's objects, each container changed by `edit` (its image, its command). */
function editedWebObjects(project: string, marker: string | undefined, edit: (container: TestContainer) => void) {
  const objects = testWebObjects(project, "web", marker === undefined ? {} : { marker });
  for (const object of objects) {
    const containers = (object.spec as { template?: { spec?: { containers?: TestContainer[] } } } | undefined)?.template?.spec?.containers ?? [];
    for (const container of containers) edit(container);
  }
  return objects;
}

describeEngineContract("podman", async () => {
  const unavailable = await podmanUnavailable();
  if (unavailable) return { skipped: unavailable };
  const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
  await cleanPodmanProject("contract");
  return {
    engine: createPodmanEngine({ runtimeDir, installation: "contract01", stopTimeoutSeconds: 0, startupTimeoutMs: 30_000, logger: silentLogger }),
    webUnit: testWebObjects,
    fetchBody: httpGet,
    cleanup: async () => {
      await cleanPodmanProject("contract");
      await rm(runtimeDir, { recursive: true, force: true });
    },
  };
});

describeEngineContract("memory", async () => {
  const engine = createMemoryEngine();
  return {
    engine,
    webUnit: testWebObjects,
    fetchBody: async (endpoint, path) => engine.serve(endpoint, path) ?? "",
    cleanup: async () => {},
  };
});

describe("podman engine: followed logs", () => {
  it("runs one follower for any number of people following one instance, and none once they all left", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    const { engine, dispose } = await scratchEngine("logs01");
    await cleanPodmanProject("logs");
    try {
      const unit = await engine.apply(
        { project: "logs", instance: "web", hash: "h1", objects: testWebObjects("logs", "web", { marker: "shared" }) },
        { secrets: {}, progress: () => {} },
      );
      const controllers = Array.from({ length: 5 }, () => new AbortController());
      // The first viewer asks for its history, the others only for what comes.
      const streams = controllers.map((controller, i) =>
        engine.logs("logs", "web", { follow: true, tail: i === 0 ? 100 : 0, signal: controller.signal })[Symbol.asyncIterator](),
      );
      const received = streams.map(() => "");
      const reading = streams.map(async (stream, i) => {
        for (let chunk = await stream.next(); !chunk.done; chunk = await stream.next()) received[i] += chunk.value;
      });
      await vi.waitFor(() => expect(engine.logFollowing()).toEqual({ followers: 1, viewers: 5 }), { timeout: 10_000 });
      await vi.waitFor(() => expect(received[0]).toContain("main | serving shared"), { timeout: 10_000 });
      // A request logged after everyone came reaches everyone, through the one follower.
      await httpGet(unit.endpoint as string, "/");
      await vi.waitFor(() => expect(received.filter((text) => text.includes("main | ") && text.includes("response:200"))).toHaveLength(5), { timeout: 10_000 });
      expect(received[1]).not.toContain("serving shared");
      expect(engine.logFollowing()).toEqual({ followers: 1, viewers: 5 });
      for (const controller of controllers) controller.abort();
      await Promise.all(reading);
      await vi.waitFor(() => expect(engine.logFollowing()).toEqual({ followers: 0, viewers: 0 }), { timeout: 10_000 });
    } finally {
      await cleanPodmanProject("logs");
      await dispose();
    }
  });
});

describe("podman engine: images", () => {
  it("never pulls from this machine or a private network, whatever the manifests say (an instance from before the allow-list)", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    // A registry on loopback: it counts who connects.
    const registry = await countingListener();
    const { port } = registry;
    const { engine, dispose } = await scratchEngine("images01");
    await cleanPodmanProject("pullgate");
    try {
      for (const image of [`127.0.0.1:${port}/probe/a:1`, `[::ffff:127.0.0.1]:${port}/probe/b:1`, `127.1:${port}/probe/c:1`]) {
        const objects = editedWebObjects("pullgate", undefined, (container) => (container.image = image));
        await expect(engine.apply({ project: "pullgate", instance: "web", hash: "h1", objects }, { secrets: {}, progress: () => {} })).rejects.toThrow(
          `the image ${image} could not be pulled: never pulled`,
        );
      }
      expect(registry.connections()).toBe(0);
    } finally {
      registry.close();
      await cleanPodmanProject("pullgate");
      await dispose();
    }
  });
});

describe("podman engine: long log lines", () => {
  it("cuts a followed line longer than MAX_LOG_LINE: podman joins a container's partial lines into one, as long as it writes", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    const { engine, dispose } = await scratchEngine("longlines01");
    await cleanPodmanProject("longlines");
    // Every second, 300 000 characters without a newline, then a short line; and the web server.
    const long = "/bin/busybox head -c 300000 /dev/zero | /bin/busybox tr '\\0' a; echo; echo after-the-long-line";
    const script = `(while true; do ${long}; /bin/busybox sleep 1; done) & exec /bin/httpd -f -v -p 8080 -h /tmp`;
    const objects = editedWebObjects("longlines", undefined, (container) => (container.command = ["/bin/sh", "-c", script]));
    const controller = new AbortController();
    try {
      await engine.apply({ project: "longlines", instance: "web", hash: "h1", objects }, { secrets: {}, progress: () => {} });
      let followed = "";
      const reading = (async () => {
        for await (const chunk of engine.logs("longlines", "web", { follow: true, tail: 0, signal: controller.signal })) followed += chunk;
      })();
      // A long line logged after this viewer came, and the line after it.
      await vi.waitFor(() => expect(followed).toMatch(/a{1000}[^]*after-the-long-line/), { timeout: 15_000 });
      controller.abort();
      await reading;
      expect(followed).toContain(CUT_NOTE);
      expect(Math.max(...followed.split("\n").map((line) => line.length))).toBeLessThan(MAX_LOG_LINE + 100);
    } finally {
      controller.abort();
      await cleanPodmanProject("longlines");
      await dispose();
    }
  });
});

describe("podman engine: logs for a slow reader", () => {
  it("makes podman wait rather than holding what a reader has not taken (MAX_BATCH_CHARS at a time), and holds a followed history of MAX_HISTORY_CHARS at most", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    const { engine, dispose } = await scratchEngine("slowread01");
    await cleanPodmanProject("slowread");
    // 8 MB of logs, in lines of 4 000 characters, before the web server starts.
    const script = "/bin/busybox head -c 8000000 /dev/zero | /bin/busybox tr '\\0' b | /bin/busybox fold -w 4000; echo; exec /bin/httpd -f -v -p 8080 -h /tmp";
    const objects = editedWebObjects("slowread", undefined, (container) => (container.command = ["/bin/sh", "-c", script]));
    try {
      await engine.apply({ project: "slowread", instance: "web", hash: "h1", objects }, { secrets: {}, progress: () => {} });
      const chunks = engine.logs("slowread", "web", { follow: false, tail: 100_000 })[Symbol.asyncIterator]();
      const sizes = [((await chunks.next()).value as string).length];
      // A reader that stops reading for a while: whatever podman writes meanwhile would pile up.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) sizes.push((chunk.value as string).length);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBeGreaterThan(8_000_000);
      expect(Math.max(...sizes)).toBeLessThan(MAX_BATCH_CHARS + 200_000);

      // Followed, the history is sorted, so held whole: its newest MAX_HISTORY_CHARS, and a note.
      const controller = new AbortController();
      const followed = engine.logs("slowread", "web", { follow: true, tail: 100_000, signal: controller.signal })[Symbol.asyncIterator]();
      const history = (await followed.next()).value as string;
      controller.abort();
      await followed.return?.();
      expect(history.startsWith(`${HISTORY_CUT_NOTE}\n`)).toBe(true);
      expect(history.length).toBeLessThan(MAX_HISTORY_CHARS + 200_000);
      expect(history.length).toBeGreaterThan(MAX_HISTORY_CHARS - 200_000);
    } finally {
      await cleanPodmanProject("slowread");
      await dispose();
    }
  });
});

describe("podman engine: images removed meanwhile", () => {
  it("never lets kube play pull: an image seen present, then removed, is not fetched from its registry", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    const registry = await countingListener();
    const image = `127.0.0.1:${registry.port}/probe/present:1`;
    const { engine, dispose } = await scratchEngine("images02");
    await cleanPodmanProject("pullgate2");
    const withImage = (hash: string) => ({
      project: "pullgate2",
      instance: "web",
      hash,
      objects: editedWebObjects("pullgate2", hash, (container) => (container.image = image)),
    });
    try {
      // Present on this machine (tagged here): it runs, nothing is pulled.
      expect((await run("podman", ["tag", TEST_IMAGE, image])).code).toBe(0);
      expect((await engine.apply(withImage("h1"), { secrets: {}, progress: () => {} })).phase).toBe("running");
      // Removed since: the next revision must not make podman fetch it.
      expect((await run("podman", ["rmi", image])).code).toBe(0);
      await expect(engine.apply(withImage("h2"), { secrets: {}, progress: () => {} })).rejects.toThrow(/podman could not start the pod/);
      // Looked for again at the next attempt: missing, and never pulled from there.
      await expect(engine.apply(withImage("h3"), { secrets: {}, progress: () => {} })).rejects.toThrow(`the image ${image} could not be pulled: never pulled`);
      expect(registry.connections()).toBe(0);
    } finally {
      registry.close();
      await run("podman", ["rmi", image]);
      await cleanPodmanProject("pullgate2");
      await dispose();
    }
  });
});
