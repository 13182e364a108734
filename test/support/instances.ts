// An instance service over in-memory adapters, composed by hand (not through src/main) so that
// core tests of src/core/instances can hand it their own sources, clock and Helm catalogs.
import { createStaticCatalog } from "../../src/adapters/catalog/file-catalog.js";
import { createMemoryEngine, type MemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { createMemoryStore } from "../../src/adapters/memory/memory-store.js";
import type { HelmCatalogService, PreparedHelmLaunch } from "../../src/core/helm/service.js";
import type { ChartStop } from "../../src/core/helm/stop-strategy.js";
import { createIndexer } from "../../src/core/index/indexer.js";
import { createInstanceService, type InstanceService, type InstanceServiceDeps } from "../../src/core/instances/service.js";
import { createSourceRegistry, type InstanceSource, type InstanceSourceFactory } from "../../src/core/instances/sources/index.js";
import type { PlatformDocument } from "../../src/core/model.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import type { CommitId, DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import type { StateIndex } from "../../src/core/ports/state-index.js";
import type { StatusStore } from "../../src/core/ports/status-store.js";
import { noTelemetry } from "../../src/core/ports/telemetry.js";
import { createCrdValidator } from "../../src/core/render/crd-validate.js";
import { bootstrapRepository } from "../../src/core/repository/bootstrap.js";
import { createWriter } from "../../src/core/repository/writer.js";
import { createTenancy, type Tenancy } from "../../src/core/tenancy/service.js";
import { createTestClock, type TestClock } from "./clock.js";
import { alice, builtInTemplates, clusterPlatform, testCrds, TEST_SETTINGS } from "./plateau.js";

export { alice };

export const CHART_REPOSITORY = "https://charts.example.org/ide";

/** Two podman platforms (`local`, `spare`) and two Argo CD ones (`plmshift`, `plmshift-2`). */
export const sparePlatform: PlatformDocument = { ...localPlatformDocument("spare.localhost"), metadata: { name: "spare" } };
const argocd = { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/desired-state.git" };
export const clusterA = clusterPlatform({ pools: [{ name: "general", nodes: 4, cpu: 32, memoryGiB: 128 }], argocd });
export const clusterB = clusterPlatform({ pools: [{ name: "general", nodes: 4, cpu: 32, memoryGiB: 128 }], argocd }, "plmshift-2");

/**
 * A Helm catalog `ide` of three charts, as the Helm catalog service answers: `ide/jupyter` with
 * Onyxia's `global.suspend`, `ide/plain` without, and `ide/db` whose preparation renders it (as
 * the preflight does): its pods ask far more than its values' `resources` say (1.5 CPU, 3 GiB
 * and 8 GiB of storage per replica; its largest pod 1 CPU, 2 GiB), with an address only when
 * its values name a `host`. Values are the chart's defaults with the person's over them (one
 * level deep).
 */
/**
 * How the fake catalog's charts stop (ADR 24): `ide/scaled` by its replicaCount, `ide/daemon`
 * not at all (its expiry removes it); the others as before (`global.suspend`, or not at all).
 */
export const FAKE_STOPS: Readonly<Record<string, ChartStop>> = {
  scaled: { by: "replicas", paths: [["replicaCount"]] },
  daemon: { by: "remove-on-expiry", why: "DaemonSet/daemon-agent runs on every node" },
};

export function fakeHelm(): Pick<HelmCatalogService, "repositoryOf" | "defaults" | "prepare" | "stopOf" | "ownValues"> & { contexts: unknown[] } {
  const contexts: unknown[] = [];
  const defaultsOf = (chart: string): Record<string, unknown> => ({
    resources: { requests: { cpu: "500m", memory: "2Gi" } },
    persistence: { enabled: true, size: "10Gi" },
    ...(chart === "jupyter" || chart === "db" ? { global: { suspend: false } } : {}),
    ...(chart === "db" ? { resources: { requests: { cpu: "100m", memory: "256Mi" } }, persistence: { enabled: false }, replicas: 1 } : {}),
    ...(chart === "scaled" ? { replicaCount: 2 } : {}),
  });
  const renderedOf = (chart: string, values: Record<string, unknown>): Pick<PreparedHelmLaunch, "rendered"> => {
    if (chart !== "db") return {};
    const replicas = values.replicas as number;
    const host = typeof values.host === "string" ? { host: values.host } : {};
    return {
      rendered: {
        requests: { cpu: 1.5 * replicas, memoryGiB: 3 * replicas, gpu: 0, storageGiB: 8 * replicas },
        largestPod: { cpu: 1, memoryGiB: 2, gpu: 0 },
        ...host,
      },
    };
  };
  const values = (chart: string, given: unknown) => ({ ...defaultsOf(chart), ...((given ?? {}) as object) }) as PreparedHelmLaunch["values"];
  return {
    contexts,
    repositoryOf: (catalog) => (catalog === "ide" ? CHART_REPOSITORY : undefined),
    async defaults(reference, _viewer, context, given) {
      contexts.push(context);
      return values(reference.chart, given);
    },
    // The committed values are the person's: a move keeps them as they are.
    async ownValues(_reference, _viewer, context, given, version) {
      contexts.push(context);
      return { values: structuredClone(given) as PreparedHelmLaunch["values"], version: version ?? "1.4.2" };
    },
    async prepare(reference, _viewer, context, given, version) {
      contexts.push(context);
      return {
        ...renderedOf(reference.chart, values(reference.chart, given)),
        version: { version: version ?? "1.4.2" } as PreparedHelmLaunch["version"],
        repository: CHART_REPOSITORY,
        values: values(reference.chart, given),
        secrets: {},
      };
    },
    stopOf: async (reference) => FAKE_STOPS[reference.chart],
  };
}

export interface InstanceHarness {
  readonly service: InstanceService;
  readonly repo: DesiredStateRepository;
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly clock: TestClock;
  readonly engines: ReadonlyMap<string, MemoryEngine>;
  readonly helm: ReturnType<typeof fakeHelm>;
  /** Brings the index to the head (after a commit made around the service, as an operator's). */
  sync(): Promise<void>;
  /** The quotas the service checks (what projects use of them). */
  readonly tenancy: Tenancy;
  /** The paths of the head's tree under `dir`, recursively, sorted. */
  files(dir: string): Promise<string[]>;
  /** A file of the head. */
  read(path: string): Promise<string | undefined>;
  head(): Promise<CommitId>;
}

export async function instanceHarness(
  options: { sources?: readonly InstanceSourceFactory[]; extra?: Partial<InstanceServiceDeps> } = {},
): Promise<InstanceHarness> {
  const clock = createTestClock();
  const repo = createMemoryRepository({ clock });
  const { index, statuses } = createMemoryStore();
  const indexer = createIndexer({ repo, index, logger: silentLogger });
  const writer = createWriter({ repo, indexer, clock, telemetry: noTelemetry, onCommitted: () => undefined });
  const catalog = createStaticCatalog(await builtInTemplates());
  const engines = new Map([
    ["podman", createMemoryEngine()],
    ["argocd", createMemoryEngine()],
  ]);
  const system = { login: "plateau", name: "Plateau", email: "plateau@localhost" };
  await bootstrapRepository(repo, [localPlatformDocument("localhost"), sparePlatform, clusterA, clusterB], system);
  await indexer.sync();
  const helm = fakeHelm();
  let seed = 7;
  const next = () => (seed = (seed * 31 + 11) % 1_000_003);
  const sourceDeps = {
    catalog,
    // Seeded: generated names repeat from run to run.
    random: { int: (n: number) => next() % n, secret: (length: number) => "s".repeat(length), id: () => `id-${next()}` },
    urlOf: ({ instance, project, domain }: { instance: string; project: string; domain: string }) => `http://${instance}.${project}.${domain}:8080/`,
    crds: createCrdValidator(await testCrds()),
    helm,
  };
  // Tenancy measures placed instances with the same kinds of sources as the service.
  const tenancy = createTenancy({ repo, index, asksOf: createSourceRegistry(sourceDeps, options.sources).asksOf, defaults: TEST_SETTINGS.tenancy });
  const service = createInstanceService({
    repo,
    writer,
    index,
    statuses,
    ...sourceDeps,
    engines: { get: (platform) => engines.get(platform.spec.engine) },
    clock,
    tenancy,
    chartRepositories: [CHART_REPOSITORY],
    lifecycle: TEST_SETTINGS.lifecycle,
    system,
    ...(options.sources ? { sources: options.sources } : {}),
    ...options.extra,
  });
  const head = async () => (await repo.head()) as CommitId;
  async function files(dir: string): Promise<string[]> {
    const at = await head();
    const out: string[] = [];
    const walk = async (path: string): Promise<void> => {
      for (const entry of await repo.listDirectory(at, path)) {
        const child = `${path}/${entry.name}`;
        if (entry.type === "tree") await walk(child);
        else out.push(child);
      }
    };
    await walk(dir);
    return out.sort();
  }
  return {
    service,
    repo,
    index,
    statuses,
    clock,
    engines,
    helm,
    tenancy,
    sync: async () => void (await indexer.sync()),
    files,
    read: async (path) => repo.readFile(await head(), path),
    head,
  };
}

/**
 * A third kind of source, made up for tests (a storage bucket): registered before the others,
 * it shows that a new source needs no edit of the instance service. It renders one file under
 * `_bucket`, asks only storage, and "stops" by freezing.
 */
export const bucketSource = ((deps) => {
  const renderedDir = (platform: string, project: string, instance: string) => `rendered/${platform}/${project}/_bucket/${instance}`;
  const source = (id: string): InstanceSource => ({
    kind: "bucket",
    id,
    placement: {},
    launchValues: async ({ request }) => ({ sizeGiB: ((request.values ?? {}) as { sizeGiB?: number }).sizeGiB ?? 1 }),
    placed: async (_launch, values) => ({ template: id, templateVersion: "1", values }),
    // A frozen bucket keeps its data: it asks the same, running or not.
    asks: (values) => ({
      total: { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: values.sizeGiB as number },
      largestPod: { cpu: 0, memoryGiB: 0, gpu: 0 },
    }),
    render(intent, platform) {
      const { project, name } = intent.metadata;
      const dir = renderedDir(platform.metadata.name, project, name);
      const address = deps.urlOf({ platform: platform.metadata.name, domain: platform.spec.domain, project, instance: name });
      return {
        changes: [
          { path: dir, remove: true },
          { path: `${dir}/bucket.json`, content: JSON.stringify({ ...intent.spec.values, state: intent.spec.state, address }) },
        ],
        asks: { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: intent.spec.values.sizeGiB as number },
      };
    },
    onExpiry: () => "stop",
    withState: async (spec, state) => ({ values: { ...spec.values, frozen: state !== "running" } }),
    moved: async (spec) => ({ values: spec.values }),
    address: (at) => `s3://${at.instance}.${at.project}`,
  });
  return {
    kind: "bucket",
    claims: (id) => id.startsWith("bucket-"),
    open: async (id) => source(id),
    renderedDir,
    placedAsks: async (instance) => source(instance.template).asks(instance.values, instance).total,
  };
}) satisfies InstanceSourceFactory;
