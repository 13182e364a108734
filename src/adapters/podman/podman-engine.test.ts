import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../core/ports/logger.js";
import { describeEngineContract } from "../../core/ports/engine.contract.js";
import { cleanPodmanProject, podmanUnavailable } from "../../../test/support/podman.js";
import { testWebObjects } from "../../../test/support/test-web.js";
import { createMemoryEngine } from "../memory/memory-engine.js";
import { createPodmanEngine } from "./podman-engine.js";

function httpGet(endpoint: string, path = "/"): Promise<string> {
  const [host, port] = endpoint.split(":");
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}

describeEngineContract("podman", async () => {
  const unavailable = await podmanUnavailable();
  if (unavailable) return { skipped: unavailable };
  const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
  await cleanPodmanProject("contract");
  return {
    engine: createPodmanEngine({ runtimeDir, stopTimeoutSeconds: 0, startupTimeoutMs: 30_000, logger: silentLogger }),
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
