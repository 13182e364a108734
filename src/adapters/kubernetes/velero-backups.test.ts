// Against a small Kubernetes API server started by the test, answering as the real one would
// for Velero's Backups (bearer token, label selectors, paging by `continue`, 409 AlreadyExists,
// a created Backup checked against Velero's real CRD), and against hostile or broken answers.
// The contract of ClusterBackups runs on this adapter (through that server) and on the memory one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, InputError, UnavailableError } from "../../core/errors.js";
import type { ClusterBackup, ClusterBackups } from "../../core/ports/cluster-backups.js";
import { createCrdValidator, type CrdValidator } from "../../core/render/crd-validate.js";
import { createMemoryClusterBackups } from "../memory/memory-cluster-backups.js";
import { loadCrds } from "../schemas/crd-files.js";
import { createVeleroBackups } from "./velero-backups.js";

const TOKEN = "sa-token-of-plateau-velero-reader";
const NAMESPACE = "openshift-adp";
const LOCATION = "plateau-plmapps";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the fake API server handles raw JSON

/** A Velero Backup as the API server holds it. */
function veleroBackup(
  name: string,
  project: string,
  status: Json = {},
  extra: { labels?: Record<string, string>; namespaces?: string[]; location?: string } = {},
): Json {
  return {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: extra.labels ?? { "plateau.io/project": project, "velero.io/schedule-name": `plateau-${project}`, "velero.io/storage-location": LOCATION },
    },
    spec: { includedNamespaces: extra.namespaces ?? [project], storageLocation: extra.location ?? LOCATION, ttl: "336h0m0s" },
    status,
  };
}

let server: Server;
let apiURL: string;
let crds: CrdValidator;
const stored = new Map<string, Json>();
const requests: { method: string; path: string; authorization: string | undefined; body: string }[] = [];
/** How the server misbehaves, for the hostile cases. */
let mode: "normal" | "not-json" | "no-items" | "endless" | "status-500" | "never" | "paged" = "normal";

beforeAll(async () => {
  crds = createCrdValidator(await loadCrds("schemas"));
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://x");
      requests.push({ method: request.method ?? "", path: `${url.pathname}${url.search}`, authorization: request.headers.authorization, body });
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(typeof value === "string" ? value : JSON.stringify(value));
      };
      if (mode === "never") return; // no answer at all
      if (request.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { kind: "Status", message: "Unauthorized", code: 401 });
      if (mode === "status-500") return reply(500, { kind: "Status", message: "etcdserver: request timed out", code: 500 });
      const match = /^\/apis\/velero\.io\/v1\/namespaces\/([^/]+)\/backups(?:\/([^/]+))?$/.exec(url.pathname);
      if (!match || match[1] !== NAMESPACE) return reply(404, { kind: "Status", message: "the server could not find the requested resource", code: 404 });
      const name = match[2];
      if (request.method === "GET" && name) {
        const found = stored.get(decodeURIComponent(name));
        return found ? reply(200, found) : reply(404, { kind: "Status", reason: "NotFound", message: `backups.velero.io "${name}" not found`, code: 404 });
      }
      if (request.method === "GET") {
        if (mode === "not-json") return reply(200, "<html>proxy error</html>");
        if (mode === "no-items") return reply(200, { kind: "BackupList", items: "none" });
        if (mode === "endless") return reply(200, { kind: "BackupList", metadata: { continue: "again" }, items: [] });
        const selector = url.searchParams.get("labelSelector") ?? "";
        const [key, value] = selector.split("=");
        const matching = [...stored.values()].filter((item) => key !== undefined && item.metadata?.labels?.[key] === value);
        if (mode === "paged") {
          // One item a page, as a server with a small limit would answer.
          const at = Number(url.searchParams.get("continue") ?? "0");
          const next = at + 1 < matching.length ? String(at + 1) : undefined;
          return reply(200, { kind: "BackupList", metadata: next ? { continue: next } : {}, items: matching.slice(at, at + 1) });
        }
        return reply(200, { apiVersion: "velero.io/v1", kind: "BackupList", metadata: { resourceVersion: "1" }, items: matching });
      }
      if (request.method === "POST" && !name) {
        if (request.headers["content-type"] !== "application/json") return reply(415, { kind: "Status", message: "unsupported media type", code: 415 });
        const object = JSON.parse(body) as Json;
        try {
          crds.validate([object as never]);
        } catch (error) {
          return reply(422, { kind: "Status", reason: "Invalid", message: (error as Error).message, code: 422 });
        }
        if (object.metadata?.namespace !== NAMESPACE) return reply(400, { kind: "Status", message: "namespace mismatch", code: 400 });
        if (stored.has(object.metadata.name)) {
          return reply(409, { kind: "Status", reason: "AlreadyExists", message: `backups.velero.io "${object.metadata.name}" already exists`, code: 409 });
        }
        stored.set(object.metadata.name, object);
        return reply(201, object);
      }
      return reply(405, { kind: "Status", message: "method not allowed", code: 405 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  stored.clear();
  requests.length = 0;
  mode = "normal";
});

const velero = (overrides: Partial<Parameters<typeof createVeleroBackups>[0]> = {}) =>
  createVeleroBackups({ apiURL, token: TOKEN, namespace: NAMESPACE, storageLocation: LOCATION, crds, ...overrides });

/** What the contract needs of each implementation: the port, and a way to put a backup on its cluster. */
interface Subject {
  readonly backups: ClusterBackups;
  add(backup: ClusterBackup): void;
}

function contract(name: string, make: () => Subject): void {
  describe(`ClusterBackups contract: ${name}`, () => {
    it("lists a project's backups newest first, with their phase, times and location, and none of another project's", async () => {
      const { backups, add } = make();
      expect(await backups.list("payroll")).toEqual([]);
      add({
        name: "plateau-payroll-1",
        project: "payroll",
        phase: "Completed",
        startedAt: "2026-12-05T00:00:00.000Z",
        completedAt: "2026-12-05T00:03:00.000Z",
        storageLocation: LOCATION,
      });
      add({ name: "plateau-payroll-3", project: "payroll", phase: "InProgress", startedAt: "2026-12-06T12:00:00.000Z", storageLocation: LOCATION });
      add({
        name: "plateau-payroll-2",
        project: "payroll",
        phase: "PartiallyFailed",
        startedAt: "2026-12-06T00:00:00.000Z",
        completedAt: "2026-12-06T00:05:00.000Z",
        storageLocation: LOCATION,
      });
      add({
        name: "plateau-wiki-1",
        project: "wiki",
        phase: "Completed",
        startedAt: "2026-12-06T06:00:00.000Z",
        completedAt: "2026-12-06T06:01:00.000Z",
        storageLocation: LOCATION,
      });
      const listed = await backups.list("payroll");
      expect(listed.map((backup) => [backup.name, backup.phase])).toEqual([
        ["plateau-payroll-3", "InProgress"],
        ["plateau-payroll-2", "PartiallyFailed"],
        ["plateau-payroll-1", "Completed"],
      ]);
      expect(listed[2]).toEqual({
        name: "plateau-payroll-1",
        project: "payroll",
        phase: "Completed",
        startedAt: "2026-12-05T00:00:00.000Z",
        completedAt: "2026-12-05T00:03:00.000Z",
        storageLocation: LOCATION,
      });
      expect((await backups.list("wiki")).map((backup) => backup.name)).toEqual(["plateau-wiki-1"]);
    });

    it("asks for a backup once, whatever the number of asks, and refuses a name that is another project's backup", async () => {
      const { backups, add } = make();
      add({ name: "plateau-wiki-1", project: "wiki", phase: "Completed", startedAt: "2026-12-06T06:00:00.000Z", storageLocation: LOCATION });
      await backups.request("payroll", "failback-payroll-1");
      await backups.request("payroll", "failback-payroll-1");
      const listed = await backups.list("payroll");
      expect(listed.map((backup) => backup.name)).toEqual(["failback-payroll-1"]);
      expect(listed[0]?.phase).toBe("New");
      await expect(backups.request("payroll", "plateau-wiki-1")).rejects.toBeInstanceOf(ConflictError);
    });

    it("refuses names that are not names, before asking anything", async () => {
      const { backups } = make();
      await expect(backups.list("../wiki")).rejects.toBeInstanceOf(InputError);
      await expect(backups.list("payroll,plateau.io/project!=x")).rejects.toBeInstanceOf(InputError);
      await expect(backups.request("payroll", "Fresh Backup")).rejects.toBeInstanceOf(InputError);
      await expect(backups.request("payroll", "a".repeat(64))).rejects.toBeInstanceOf(InputError);
    });
  });
}

contract("Velero through the Kubernetes API", () => ({
  backups: velero(),
  add: (backup) =>
    void stored.set(
      backup.name,
      veleroBackup(
        backup.name,
        backup.project,
        {
          phase: backup.phase,
          ...(backup.startedAt ? { startTimestamp: backup.startedAt } : {}),
          ...(backup.completedAt ? { completionTimestamp: backup.completedAt } : {}),
        },
        backup.storageLocation ? { location: backup.storageLocation } : {},
      ),
    ),
}));

contract("memory", () => {
  const backups = createMemoryClusterBackups({ storageLocation: LOCATION });
  return { backups, add: (backup) => void backups.backups.set(backup.name, backup) };
});

describe("Velero's Backups through the Kubernetes API", () => {
  it("asks exactly the project's backups in Velero's namespace, with the token as a bearer", async () => {
    await velero().list("payroll");
    expect(requests).toEqual([
      {
        method: "GET",
        path: `/apis/velero.io/v1/namespaces/${NAMESPACE}/backups?labelSelector=plateau.io%2Fproject%3Dpayroll&limit=500`,
        authorization: `Bearer ${TOKEN}`,
        body: "",
      },
    ]);
  });

  it("finds a backup synced from another cluster's location (the recovery site reading PLMapps'), and follows the pages", async () => {
    stored.set("plateau-payroll-20261206", veleroBackup("plateau-payroll-20261206", "payroll", { phase: "Completed", startTimestamp: "2026-12-06T00:00:00Z" }));
    // Synced by Velero from the read-only location plateau-plmapps: labels as they were written there.
    stored.set(
      "plateau-payroll-20261205",
      veleroBackup("plateau-payroll-20261205", "payroll", { phase: "Completed", startTimestamp: "2026-12-05T00:00:00Z" }, { location: "plateau-plmapps" }),
    );
    mode = "paged";
    const listed = await velero().list("payroll");
    expect(listed.map((backup) => [backup.name, backup.storageLocation, backup.startedAt])).toEqual([
      ["plateau-payroll-20261206", LOCATION, "2026-12-06T00:00:00.000Z"],
      ["plateau-payroll-20261205", "plateau-plmapps", "2026-12-05T00:00:00.000Z"],
    ]);
    expect(requests.map((request) => new URL(request.path, "http://x").searchParams.get("continue"))).toEqual([null, "1"]);
  });

  it("ignores what is no backup of the project, however it is labelled, and keeps only well-formed fields", async () => {
    // Labelled for payroll, but holding another namespace: never a backup of payroll.
    stored.set("forged", veleroBackup("forged", "payroll", { phase: "Completed" }, { namespaces: ["wiki"] }));
    stored.set("garbage", { metadata: { name: 42, labels: { "plateau.io/project": "payroll" } }, spec: "x" });
    stored.set(
      "odd",
      veleroBackup(
        "odd",
        "payroll",
        { phase: { evil: true }, startTimestamp: "not a time", completionTimestamp: 7 },
        { location: undefined as unknown as string },
      ),
    );
    const listed = await velero().list("payroll");
    expect(listed).toEqual([{ name: "odd", project: "payroll", phase: "New", storageLocation: LOCATION }]);
  });

  it("creates a Backup of the namespace to the platform's location, valid against Velero's CRD; 409 of the same request is fine", async () => {
    await velero().request("payroll", "failback-payroll-1");
    const post = requests.find((request) => request.method === "POST");
    expect(post?.path).toBe(`/apis/velero.io/v1/namespaces/${NAMESPACE}/backups`);
    expect(post?.authorization).toBe(`Bearer ${TOKEN}`);
    const sent = JSON.parse(post?.body ?? "{}") as Json;
    expect(sent).toEqual({
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: { name: "failback-payroll-1", namespace: NAMESPACE, labels: { "app.kubernetes.io/managed-by": "plateau", "plateau.io/project": "payroll" } },
      spec: { includedNamespaces: ["payroll"], storageLocation: LOCATION, defaultVolumesToFsBackup: true, snapshotVolumes: false },
    });
    expect(() => crds.validate([sent as never])).not.toThrow();
    requests.length = 0;
    await velero().request("payroll", "failback-payroll-1");
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /apis/velero.io/v1/namespaces/${NAMESPACE}/backups`,
      `GET /apis/velero.io/v1/namespaces/${NAMESPACE}/backups/failback-payroll-1`,
    ]);
  });

  it("refuses to ask for a backup on a platform without a storage location", async () => {
    const { storageLocation: _unused, ...withoutLocation } = { apiURL, token: TOKEN, namespace: NAMESPACE, storageLocation: LOCATION, crds };
    await expect(createVeleroBackups(withoutLocation).request("payroll", "failback-payroll-1")).rejects.toBeInstanceOf(UnavailableError);
    expect(requests).toEqual([]);
  });

  it("says why when the API refuses, fails or answers nonsense, and never repeats the token", async () => {
    const failures: [typeof mode, string, RegExp][] = [
      ["normal", "wrong-token", /refused the token to list Velero's Backups of payroll \(HTTP 401: Unauthorized\)/],
      ["status-500", TOKEN, /list Velero's Backups of payroll failed \(HTTP 500: etcdserver: request timed out\)/],
      ["not-json", TOKEN, /not a Kubernetes object/],
      ["no-items", TOKEN, /a list without items/],
      ["endless", TOKEN, /more than 40 pages/],
    ];
    for (const [each, token, message] of failures) {
      mode = each;
      const error = await velero({ token })
        .list("payroll")
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(TOKEN);
    }
    mode = "normal";
    const wrongNamespace = await createVeleroBackups({ apiURL, token: TOKEN, namespace: "velero" })
      .list("payroll")
      .catch((caught: unknown) => caught);
    expect((wrongNamespace as Error).message).toMatch(/HTTP 404/);
    mode = "status-500";
    await expect(velero().request("payroll", "failback-payroll-1")).rejects.toThrow(/create Velero Backup failback-payroll-1 of payroll failed \(HTTP 500/);
  });

  it("gives up on an API that does not answer, within its timeout", async () => {
    mode = "never";
    const error = await velero({ timeoutMs: 200 })
      .list("payroll")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/no answer within 200 ms/);
    server.closeAllConnections();
  });

  it("refuses a namespace that is not one", () => {
    expect(() => createVeleroBackups({ apiURL, token: TOKEN, namespace: "velero/../kube-system" })).toThrow(InputError);
  });
});
