// `plateau up` with the local S3 server (ADR 0032): the local platform is declared with
// `spec.s3: rgw-admin` (no endpoint, no key in git), its object storage is the RGW started under
// the data directory, a bucket made through it exists on that RGW, and closing Plateau ends the
// daemons.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createGitRepository } from "../../src/adapters/git/git-repository.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { cephInstalled, daemonsOf } from "../../src/adapters/s3/ceph-rgw-process.js";
import { hostAddress } from "../../src/main/local-s3.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { fromYaml } from "../../src/core/yaml.js";
import { loadConfig, paths } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { cephRequired } from "../support/ceph-rgw.js";

const run = promisify(execFile);
const installed = cephInstalled();
if (!installed && cephRequired())
  throw new Error("PLATEAU_REQUIRE_CEPH=1 but Ceph is not installed (apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)");

const dirs: string[] = [];
const running: RunningPlateau[] = [];
afterAll(async () => {
  for (const plateau of running) await plateau.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!installed)("plateau up with the local S3 server", () => {
  it("gives the local platform its object storage: a bucket made through it exists on the RGW; close ends the daemons", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-local-s3-up-"));
    dirs.push(dir);
    const config = loadConfig({
      env: {},
      cwd: dir,
      overrides: {
        listen: { port: 0 },
        podman: { command: "/nonexistent/podman" },
        localMetrics: { enabled: false },
        localS3: { port: await freeLoopbackPort(), sizeGiB: 4 },
        logLevel: "silent",
      },
    });
    const plateau = await startPlateau(config, pino({ level: "silent" }));
    running.push(plateau);
    expect(plateau.localS3.enabled).toBe(true);
    const local = await plateau.localS3.ready;
    expect(local).toBeDefined();
    if (!local) return;
    // Clients and pods reach it at the host's address (pods cannot reach the host's loopback); Plateau's admin calls at loopback.
    expect(local.endpoint.url).toBe(`http://${hostAddress() ?? "127.0.0.1"}:${config.localS3.port}`);
    expect(local.adminURL).toBe(`http://127.0.0.1:${config.localS3.port}`);

    // Declared in git with its provider only: the endpoint is this machine's, the keys are secret.
    const repo = createGitRepository({ dir: paths(config).repository, clock: systemClock });
    const head = await repo.head();
    const text = head ? await repo.readFile(head, "platforms/local.yaml") : undefined;
    const declared = fromYaml(text ?? "", "platforms/local.yaml") as { spec: { s3?: unknown; backups?: unknown } };
    expect(declared.spec.s3).toEqual({ provider: "rgw-admin" });
    // Its instances' volumes are backed up to Plateau's own bucket there (ADR 0034).
    expect(declared.spec.backups).toEqual({ bucket: "plateau-backups" });
    expect(text).not.toContain(local.secretAccessKey);
    repo.close();

    const storage = await plateau.objectStorages.storageFor("local");
    expect(storage?.endpoint).toEqual(local.endpoint);
    await storage?.ensureProject("demo");
    await storage?.ensureBucket({ name: "made-through-up", project: "demo", quota: { bytes: 2 ** 30 }, versioning: false });
    // Seen by Ceph itself, not through the adapter.
    const conf = plateau.localS3.process?.conf ?? "";
    const { stdout } = await run("radosgw-admin", ["-c", conf, "bucket", "list"]);
    expect(JSON.parse(stdout)).toContain("made-through-up");
    expect(await storage?.buckets()).toEqual([{ name: "made-through-up", project: "demo" }]);

    await plateau.close();
    expect(await daemonsOf(conf)).toEqual([]);
  }, 120_000);
});
