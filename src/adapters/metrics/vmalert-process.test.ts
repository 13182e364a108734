// vmalert as plateau up runs it: one left by a Plateau killed with -9 is replaced, never kept beside the new one.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../../../test/support/victoria-metrics.js";
import { processesWithArgument } from "./victoria-metrics-process.js";
import { startVmalert, VMALERT_BINARY, type VmalertProcess } from "./vmalert-process.js";
import { existsSync } from "node:fs";

const started = existsSync(VMALERT_BINARY) ? await startVictoriaMetrics() : { skipped: "vmalert is not installed" };

describe.skipIf("skipped" in started)("vmalert started by plateau up", () => {
  const vm = started as VictoriaMetricsServer;
  const dirs: string[] = [];
  afterAll(async () => {
    await vm.stop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("replaces the one an earlier Plateau of the same data directory left running", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-vmalert-"));
    dirs.push(dir);
    const params = { dir, datasourceUrl: vm.url, notifierUrl: "http://127.0.0.1:9/hook", notifierPassword: "secret", rules: "groups: []\n" };
    const first = (await startVmalert(params)) as VmalertProcess;
    const rule = `-rule=${join(dir, "lab-alerts.yaml")}`;
    const before = await processesWithArgument(rule);
    expect(before).toHaveLength(1);
    // The first is not stopped, as after a kill -9 of its Plateau: the second start finds and replaces it.
    const second = (await startVmalert(params)) as VmalertProcess;
    const after = await processesWithArgument(rule);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    await second.stop();
    await first.stop();
    expect(await processesWithArgument(rule)).toEqual([]);
  });
});
