// The ChartRenderer port with a real Helm: `helm template`, as Argo CD's repo-server runs it
// (it, too, extracts the fetched archive and renders the directory). Helm runs through
// process.ts `run` with an argument vector; the values go in a file, never on the command
// line; Helm's homes point at private folders so that no user configuration, repository or
// plugin is read and nothing is fetched from the network.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { ConflictError, UnavailableError } from "../../core/errors.js";
import { parseRenderedObjects, renderRefusal, type RenderedObject } from "../../core/helm/rendered.js";
import type { ChartRenderer, ChartRenderRequest, RenderedChart } from "../../core/ports/chart-renderer.js";
import { run as runProgram, type RunOptions, type RunResult } from "../process.js";
import { chartArchiveFiles } from "./chart-archive.js";

export interface HelmTemplateRendererParams {
  /** The helm binary (the `helm.command` setting). */
  readonly command: string;
  /** Where extracted archives and Helm's homes live (default: a new folder under the system's temp dir). */
  readonly cacheDir?: string;
  /** How many renders are kept (least recently used dropped first; default 200). */
  readonly maxCachedRenders?: number;
  /** How many extracted archives are kept on disk (default 50). */
  readonly maxCachedArchives?: number;
  /** Kill helm after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** How programs are run (tests count the runs). */
  readonly run?: (command: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;
}

export interface HelmTemplateRenderer extends ChartRenderer {
  /** Removes the folder it created (not a cacheDir it was given). */
  close(): Promise<void>;
}

const sha256 = (...parts: (Uint8Array | string)[]): string => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
};

/** JSON with sorted keys: two value objects that differ only in key order render the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Cached results are shared between callers: frozen, so no caller can change another's. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A small LRU: a Map keeps insertion order; a hit moves the entry to the end. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(
    private readonly max: number,
    private readonly onEvict: (key: string, value: V) => void = () => {},
  ) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, V];
      this.entries.delete(oldest);
      this.onEvict(oldest, evicted);
    }
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

interface ExtractedChart {
  /** The chart's directory, what `helm template` is given. */
  readonly directory: string;
  /** The chart's `name-version`, for messages. */
  readonly chart: string;
}

export function createHelmTemplateRenderer(params: HelmTemplateRendererParams): HelmTemplateRenderer {
  const run = params.run ?? runProgram;
  const timeoutMs = params.timeoutMs ?? 60_000;
  let root: Promise<string> | undefined;
  const theRoot = (): Promise<string> =>
    (root ??= (async () => {
      const dir = params.cacheDir ?? (await mkdtemp(join(tmpdir(), "plateau-helm-")));
      for (const home of ["cache", "config", "data"]) await mkdir(join(dir, "home", home), { recursive: true });
      await mkdir(join(dir, "charts"), { recursive: true });
      return dir;
    })());

  // An evicted archive's folder is removed at once: a render still reading it would need 50
  // other archives extracted meanwhile (every render first touches its archive, the newest).
  const archives = new Lru<Promise<ExtractedChart>>(params.maxCachedArchives ?? 50, (_key, extracted) => {
    void extracted.then((chart) => rm(dirname(chart.directory), { recursive: true, force: true })).catch(() => {});
  });
  const renders = new Lru<Promise<RenderedChart>>(params.maxCachedRenders ?? 200);

  /** The archive (and extra dependencies) extracted once per digest. */
  function extracted(request: ChartRenderRequest, key: string): Promise<ExtractedChart> {
    const cached = archives.get(key);
    if (cached) return cached;
    const promise = (async (): Promise<ExtractedChart> => {
      const files = chartArchiveFiles(Buffer.from(request.archive));
      const top = files[0]?.segments[0];
      const chartYaml = files.find((file) => file.segments.length === 2 && file.segments[0] === top && file.segments[1] === "Chart.yaml");
      if (top === undefined || !chartYaml) throw new ConflictError("chart archive: no <chart>/Chart.yaml in the archive");
      const version = /^version:\s*["']?([^"'\s#]+)/m.exec(chartYaml.content.toString("utf8"))?.[1];
      const chart = version ? `${top}-${version}` : top;
      const base = join(await theRoot(), "charts");
      // Written beside its final place and renamed, so that a crash never leaves half a chart.
      const staging = join(base, `.${key}.${randomUUID()}`);
      const final = join(base, key);
      for (const file of files) {
        if (file.segments[0] !== top) throw new ConflictError(`chart archive of ${chart}: ${file.segments.join("/")} is outside the chart's directory`);
        const path = join(staging, ...file.segments);
        if (!path.startsWith(staging + sep)) throw new ConflictError(`chart archive of ${chart}: ${file.segments.join("/")} escapes the chart`);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, file.content);
      }
      let index = 0;
      for (const dependency of request.dependencies ?? []) {
        await mkdir(join(staging, top, "charts"), { recursive: true });
        await writeFile(join(staging, top, "charts", `plateau-dependency-${index++}.tgz`), dependency);
      }
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
      return { directory: join(final, top), chart };
    })();
    archives.set(key, promise);
    promise.catch(() => archives.delete(key));
    return promise;
  }

  async function renderNow(request: ChartRenderRequest, archiveKey: string): Promise<RenderedChart> {
    const { directory, chart } = await extracted(request, archiveKey);
    const dir = await theRoot();
    const work = await mkdtemp(join(dir, "render-"));
    try {
      const valuesFile = join(work, "values.json");
      // JSON is YAML: Helm reads the values file as is, with no text spliced anywhere.
      await writeFile(valuesFile, JSON.stringify(request.values), { mode: 0o600 });
      const args = ["template", request.releaseName, directory, "--namespace", request.namespace, "--values", valuesFile];
      for (const apiVersion of request.apiVersions ?? []) args.push("--api-versions", apiVersion);
      if (request.kubeVersion) args.push("--kube-version", request.kubeVersion);
      let result: RunResult;
      try {
        result = await run(params.command, args, {
          cwd: work,
          timeoutMs,
          env: {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: work,
            HELM_CACHE_HOME: join(dir, "home", "cache"),
            HELM_CONFIG_HOME: join(dir, "home", "config"),
            HELM_DATA_HOME: join(dir, "home", "data"),
            // No plugin, registry or repository configuration of the user's: none is read from the homes above.
            HELM_PLUGINS: join(dir, "home", "data", "plugins"),
            HELM_REGISTRY_CONFIG: join(dir, "home", "config", "registry.json"),
            HELM_REPOSITORY_CONFIG: join(dir, "home", "config", "repositories.yaml"),
            HELM_REPOSITORY_CACHE: join(dir, "home", "cache", "repository"),
          },
        });
      } catch (error) {
        throw new UnavailableError(`helm (${params.command}) cannot run to render chart ${chart}: ${(error as Error).message}`);
      }
      if (result.code === 124) throw new UnavailableError(`helm template of chart ${chart} took more than ${timeoutMs} ms`);
      if (result.code !== 0) throw renderRefusal(chart, result.stderr);
      const objects: RenderedObject[] = parseRenderedObjects(result.stdout.toString("utf8"), chart);
      return deepFreeze({ chart, objects });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  return {
    render(request) {
      const archiveKey = sha256(request.archive, ...(request.dependencies ?? []).map((dependency) => sha256(dependency)));
      const key = sha256(
        archiveKey,
        canonicalJson(request.values),
        request.namespace,
        request.releaseName,
        canonicalJson([...(request.apiVersions ?? [])].sort()),
        request.kubeVersion ?? "",
      );
      const cached = renders.get(key);
      if (cached) return cached;
      const promise = renderNow(request, archiveKey);
      renders.set(key, promise);
      // Refusals are not kept: the next attempt runs Helm again (it may have been fixed).
      promise.catch(() => renders.delete(key));
      return promise;
    },
    async close() {
      if (root && !params.cacheDir) await rm(await root, { recursive: true, force: true });
    },
  };
}
