// Velero's Backups on a cluster, read through the Kubernetes API (ADR 0034): the Schedules are
// desired state, the Backups they make are the cluster's. A backup synced from another
// cluster's storage location (the recovery site reading PLMapps' bucket) keeps its labels, so
// the project's label finds it there too. The token is a service account's allowed to get, list
// and create Backups in Velero's namespace only (docs/recovery.md gives the Role); it is sent
// as a bearer token and never logged or put in a message.
import { ConflictError, InputError, UnavailableError } from "../../core/errors.js";
import { assertName } from "../../core/names.js";
import type { ClusterBackup, ClusterBackups } from "../../core/ports/cluster-backups.js";
import type { CrdValidator } from "../../core/render/crd-validate.js";
import type { KubeObject } from "../../core/render/kube.js";
import { MANAGED_BY } from "../../core/render/render.js";

export interface VeleroBackupsParams {
  /** The cluster's API server, e.g. `https://api.plmapps.example.org:6443`. */
  readonly apiURL: string;
  readonly token: string;
  /** Velero's namespace on the cluster (`spec.backups.velero.namespace`, default `velero`). */
  readonly namespace: string;
  /** The platform's own BackupStorageLocation, where requested backups go (`backupLocationName`). */
  readonly storageLocation?: string;
  /** Velero's CRDs: a requested Backup is checked against its CRD before it is sent. */
  readonly crds?: CrdValidator;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** The label every Backup of a project carries: the Schedule's template sets it, and so does `request`. */
export const PROJECT_LABEL = "plateau.io/project";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A page of the list, and a bound on the pages: an answer that never ends is refused, not followed. */
const PAGE_SIZE = 500;
const MAX_PAGES = 40;
/** More than any honest list (20,000 backups of one project): refused rather than held in memory. */
const MAX_BODY_CHARACTERS = 64 * 1024 * 1024;

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const asTime = (value: unknown): string | undefined => {
  const text = asString(value);
  return text !== undefined && text.length <= 64 && Number.isFinite(Date.parse(text)) ? new Date(Date.parse(text)).toISOString() : undefined;
};

/** One item of a BackupList as a ClusterBackup of the project; undefined for what is no backup of it. */
function backupOf(item: unknown, project: string): ClusterBackup | undefined {
  const object = asObject(item);
  const metadata = asObject(object?.metadata);
  const spec = asObject(object?.spec);
  const status = asObject(object?.status);
  const name = asString(metadata?.name);
  if (!name || name.length > 253) return undefined;
  // The label chose it; its content must say the same: a backup of other namespaces is not this project's.
  const included = spec?.includedNamespaces;
  if (!Array.isArray(included) || !included.includes(project)) return undefined;
  const phase = asString(status?.phase);
  const completedAt = asTime(status?.completionTimestamp);
  const startedAt = asTime(status?.startTimestamp);
  const storageLocation = asString(spec?.storageLocation);
  return {
    name,
    project,
    // Velero's first phase: a Backup it has not looked at yet has no status.
    phase: phase && phase.length <= 64 ? phase : "New",
    ...(completedAt ? { completedAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(storageLocation ? { storageLocation } : {}),
  };
}

/** Newest first: by start (a backup in progress has one; a new one is the newest), then by name. */
function newestFirst(a: ClusterBackup, b: ClusterBackup): number {
  const time = (backup: ClusterBackup) => (backup.startedAt ? Date.parse(backup.startedAt) : Number.POSITIVE_INFINITY);
  const order = time(b) - time(a);
  if (order !== 0 && !Number.isNaN(order)) return order;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

export function createVeleroBackups(params: VeleroBackupsParams): ClusterBackups {
  const fetchFn = params.fetch ?? fetch;
  const base = params.apiURL.replace(/\/+$/, "");
  const timeoutMs = params.timeoutMs ?? 15_000;
  if (!DNS_LABEL.test(params.namespace) || params.namespace.length > 63) {
    throw InputError.field("/namespace", "dns-label", `"${params.namespace}" is not a namespace name`);
  }
  const backupsPath = `/apis/velero.io/v1/namespaces/${encodeURIComponent(params.namespace)}/backups`;

  async function call(method: string, path: string, body?: string): Promise<Response> {
    try {
      return await fetchFn(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${params.token}`, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new UnavailableError(
        `Kubernetes API ${base}: ${(error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message}`,
      );
    }
  }

  async function failure(response: Response, what: string): Promise<never> {
    let message = "";
    try {
      const status = asObject(JSON.parse(await response.text()));
      message = (asString(status?.message) ?? "").slice(0, 300);
    } catch {
      // not a Status object
    }
    const detail = `HTTP ${response.status}${message ? `: ${message}` : ""}`;
    if (response.status === 401 || response.status === 403) throw new UnavailableError(`Kubernetes API ${base} refused the token to ${what} (${detail})`);
    throw new UnavailableError(`Kubernetes API ${base}: ${what} failed (${detail})`);
  }

  async function json(response: Response, what: string): Promise<Json> {
    const text = await response.text();
    if (text.length > MAX_BODY_CHARACTERS) throw new UnavailableError(`Kubernetes API ${base}: ${what} answered more than ${MAX_BODY_CHARACTERS} characters`);
    try {
      const value = asObject(JSON.parse(text));
      if (value) return value;
    } catch {
      // below
    }
    throw new UnavailableError(`Kubernetes API ${base}: ${what} answered something that is not a Kubernetes object`);
  }

  return {
    async list(project) {
      assertName("/project", project);
      const what = `list Velero's Backups of ${project}`;
      const found: ClusterBackup[] = [];
      let next: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = new URLSearchParams({ labelSelector: `${PROJECT_LABEL}=${project}`, limit: String(PAGE_SIZE) });
        if (next) query.set("continue", next);
        const response = await call("GET", `${backupsPath}?${query.toString()}`);
        if (!response.ok) await failure(response, what);
        const list = await json(response, what);
        if (!Array.isArray(list.items)) throw new UnavailableError(`Kubernetes API ${base}: ${what} answered a list without items`);
        for (const item of list.items) {
          const backup = backupOf(item, project);
          if (backup) found.push(backup);
        }
        next = asString(asObject(list.metadata)?.continue) || undefined;
        if (!next) return found.sort(newestFirst);
      }
      throw new UnavailableError(`Kubernetes API ${base}: ${what} went on for more than ${MAX_PAGES} pages`);
    },

    async request(project, name) {
      assertName("/project", project);
      if (!DNS_LABEL.test(name) || name.length > 63) throw InputError.field("/name", "dns-label", `"${name}" is not a backup name (a DNS label)`);
      if (!params.storageLocation) throw new UnavailableError(`no storage location for backups is known on ${base}: the platform has no spec.backups`);
      const backup: KubeObject = {
        apiVersion: "velero.io/v1",
        kind: "Backup",
        metadata: { name, namespace: params.namespace, labels: { ...MANAGED_BY, [PROJECT_LABEL]: project } },
        // As the project's Schedule backs up: its namespace, every volume by file system. Velero's default ttl (30 days).
        spec: { includedNamespaces: [project], storageLocation: params.storageLocation, defaultVolumesToFsBackup: true, snapshotVolumes: false },
      };
      params.crds?.validate([backup]);
      const what = `create Velero Backup ${name} of ${project}`;
      const response = await call("POST", backupsPath, JSON.stringify(backup));
      if (response.ok) return;
      if (response.status !== 409) await failure(response, what);
      // Already there: the same request made before, unless the name is another project's backup.
      const existing = await call("GET", `${backupsPath}/${encodeURIComponent(name)}`);
      if (!existing.ok) await failure(existing, what);
      if (!backupOf(await json(existing, what), project)) {
        throw new ConflictError(`Velero Backup ${name} already exists on ${base} and is not a backup of project ${project}`);
      }
    },
  };
}
