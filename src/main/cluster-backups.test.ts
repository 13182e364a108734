/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import plmappsText from "../../examples/community/platforms/plmapps.yaml?raw";
import plmoppText from "../../examples/community/platforms/plmopp.yaml?raw";
import plmshiftText from "../../examples/community/platforms/plmshift.yaml?raw";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { systemClock } from "../adapters/system/system.js";
import { silentLogger } from "../core/ports/logger.js";
import { createClusterBackupsRegistry } from "./cluster-backups.js";

const author = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };

describe("createClusterBackupsRegistry", () => {
  it("reads Velero's Backups on the cluster platforms that see some, with the token their file names, in their Velero namespace", async () => {
    const repo = createMemoryRepository({ clock: systemClock });
    await repo.commit({
      parent: null,
      author,
      message: "platforms",
      trailers: {},
      changes: [
        { path: "platforms/plmapps.yaml", content: plmappsText },
        { path: "platforms/plmopp.yaml", content: plmoppText },
        { path: "platforms/plmshift.yaml", content: plmshiftText },
      ],
    });
    const asked: { url: string; authorization: string | null }[] = [];
    const fetchStub: typeof fetch = async (input, init) => {
      asked.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
      return new Response(JSON.stringify({ kind: "BackupList", metadata: {}, items: [] }), { status: 200, headers: { "content-type": "application/json" } });
    };
    const env: Record<string, string> = { PLATEAU_KUBE_PLMAPPS_TOKEN: "apps-token" };
    const registry = createClusterBackupsRegistry({ env, repo, logger: silentLogger, fetch: fetchStub });
    const plmapps = await registry.backupsFor("plmapps");
    expect(await plmapps?.list("payroll")).toEqual([]);
    expect(asked).toEqual([
      {
        url: "https://api.plmapps.example.org:6443/apis/velero.io/v1/namespaces/openshift-adp/backups?labelSelector=plateau.io%2Fproject%3Dpayroll&limit=500",
        authorization: "Bearer apps-token",
      },
    ]);
    // The same adapter while nothing changes; none without a token, none where Velero sees no backups, none for an unknown platform.
    expect(await registry.backupsFor("plmapps")).toBe(plmapps);
    expect(await registry.backupsFor("plmopp")).toBeUndefined();
    expect(await registry.backupsFor("plmshift")).toBeUndefined();
    expect(await registry.backupsFor("nowhere")).toBeUndefined();
    env.PLATEAU_KUBE_PLMOPP_TOKEN = "opp-token";
    expect(await registry.backupsFor("plmopp")).toBeDefined();
    env.PLATEAU_KUBE_PLMAPPS_TOKEN = "rotated";
    expect(await registry.backupsFor("plmapps")).not.toBe(plmapps);
  });
});
