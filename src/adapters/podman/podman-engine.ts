// The local engine: podman on this machine, driven through `podman kube play` with the
// manifests adapted by adapt.ts. What runs is found again from podman itself (labels on pods
// and volumes), so a restart of Plateau converges from what is, not from what it remembers.
//
// Tenants apart (docs/adr/0015): every object's name and labels carry this installation's id,
// and only objects with it are ever observed, replaced or removed; each project's pods run on
// a network of their own, isolated from other projects' networks.
import { spawn } from "node:child_process";
import { access, mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import type { Logger } from "../../core/ports/logger.js";
import type { ApplyOptions, DesiredUnit, Engine, EngineAvailability, LogOptions, ObservedUnit } from "../../core/ports/engine.js";
import { toYaml } from "../../core/yaml.js";
import { lastLine, run, runChecked } from "../process.js";
import { freeLoopbackPort } from "../net.js";
import { adaptForPodman, claimsOf, hostNames, LABELS, LEGACY_NAMES, ownerLabelArguments, volumeRestoreOf, type VolumeRestore } from "./adapt.js";
import type { VolumeBackupsRegistry } from "../../core/ports/volume-backups.js";
import { generatedSecretName } from "../../core/render/render.js";
import { createLogFanout, type FollowerSource } from "./log-followers.js";
import { forbiddenRegistryProblem, LOCAL_IMAGES, registryOf } from "../../core/catalog/images.js";
import { imagePullFailure } from "../../core/status/messages.js";

export interface PodmanEngineParams {
  readonly podman?: string;
  /** Where the adapted pod files are written (no secret is in them), in the data directory. */
  readonly runtimeDir: string;
  /**
   * This installation's id (`<dataDir>/installation-id`): in the names and labels of everything
   * it creates, so that Plateaus sharing one podman store never touch each other's objects.
   */
  readonly installation: string;
  /** Grace period given to workloads when they are stopped, in seconds. */
  readonly stopTimeoutSeconds?: number;
  /** How long an applied unit may take to answer before it is reported as failed. */
  readonly startupTimeoutMs?: number;
  /** How often (at most) networks of projects left without pods are removed, when observing. Default 60 s. */
  readonly networkSweepMs?: number;
  /** Where the backups an instance's `spec.restore` names are (ADR 0034); none: such an instance fails to apply, saying why. */
  readonly volumeBackups?: VolumeBackupsRegistry;
  readonly logger: Logger;
}

/** The podman engine, and what it runs of its own: the followers of followed logs. */
export interface PodmanEngine extends Engine {
  /** Followed logs now: `podman pod logs --follow` processes (one per followed pod), and the viewers they serve. */
  logFollowing(): { readonly followers: number; readonly viewers: number };
}

export const PODMAN_INSTALL_HINT = "install podman: sudo apt-get install podman runc (see docs/podman.md)";

interface PodJson {
  Id: string;
  Name: string;
  Status: string;
  Labels?: Record<string, string>;
  Containers?: { Id: string; Names: string; Status: string }[];
}
interface VolumeJson {
  Name: string;
  Labels?: Record<string, string>;
}
interface NetworkJson {
  name: string;
  labels?: Record<string, string>;
}
interface ContainerJson {
  Names?: string[];
  State?: string;
  ExitCode?: number;
  Labels?: Record<string, string>;
  PodName?: string;
}

/** The labels by which podman objects are found again (the volume backups make volumes with the same). */
const ownerLabels = ownerLabelArguments;

/** Objects Plateau made before installation ids: managed, and no installation label. */
const isLegacy = (labels: Record<string, string> | undefined, project: string, instance: string): boolean =>
  labels?.[LABELS.managed] === "true" &&
  labels[LABELS.installation] === undefined &&
  labels[LABELS.project] === project &&
  labels[LABELS.instance] === instance;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An HTTP request to the endpoint; true when it answers (2xx/3xx when a readiness path is set). */
export function probe(endpoint: string, path: string | undefined, timeoutMs = 1000): Promise<boolean> {
  const [host, port] = endpoint.split(":");
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: path ?? "/", method: "GET", timeout: timeoutMs, headers: { "user-agent": "plateau-probe" } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(path === undefined ? status > 0 : status >= 200 && status < 400);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

export function createPodmanEngine(params: PodmanEngineParams): PodmanEngine {
  const podman = params.podman ?? "podman";
  const installation = params.installation;
  const names = hostNames(installation);
  // Ours: labelled with this installation's id. Podman 4.3 ORs repeated label filters of
  // volumes, so lists are asked for by one label and the others are checked here.
  const ours = (labels: Record<string, string> | undefined): labels is Record<string, string> =>
    labels?.[LABELS.managed] === "true" && labels[LABELS.installation] === installation;
  const byInstallation = `label=${LABELS.installation}=${installation}`;
  const stopTimeout = String(params.stopTimeoutSeconds ?? 10);
  const startupTimeoutMs = params.startupTimeoutMs ?? 300_000;
  const { logger } = params;
  let cachedAvailability: { at: number; value: EngineAvailability } | undefined;
  const fanout = createLogFanout();
  // Images seen present recently: looking again costs a podman run per image and launch.
  const presentImages = new Map<string, number>();
  const IMAGE_MEMORY_MS = 10 * 60_000;

  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await runChecked(podman, args)).toString("utf8") || "[]") as T;

  async function managedPods(): Promise<PodJson[]> {
    return (await json<PodJson[]>(["pod", "ps", "--filter", byInstallation, "--format", "json"])).filter((pod) => ours(pod.Labels));
  }

  // One change of a project's network at a time: a pod being played on it must not see it
  // removed by the sweep.
  const projectLocks = new Map<string, Promise<unknown>>();
  function withProjectLock<T>(project: string, action: () => Promise<T>): Promise<T> {
    const previous = projectLocks.get(project) ?? Promise.resolve();
    const next = previous.then(action, action);
    const settled = next.catch(() => undefined);
    projectLocks.set(project, settled);
    void settled.then(() => projectLocks.get(project) === settled && projectLocks.delete(project));
    return next;
  }

  // Pods being played now. Observing waits for them: podman's listings contend with a play
  // for its locks, and made a launch during a periodic observation up to twice as slow.
  const plays = new Set<Promise<unknown>>();
  function playing<T>(play: Promise<T>): Promise<T> {
    plays.add(play);
    const done = () => plays.delete(play);
    play.then(done, done);
    return play;
  }

  // Networks known to exist: a launch into a project that has pods asks podman nothing more.
  const knownNetworks = new Set<string>();

  /**
   * The project's network, created with its first pod: a bridge isolated from the other isolated
   * networks (every project's), with egress to the internet, no DNS server of its own.
   */
  async function ensureNetwork(project: string): Promise<string> {
    const network = names.network(project);
    if (knownNetworks.has(network) || (await run(podman, ["network", "exists", network])).code === 0) {
      knownNetworks.add(network);
      return network;
    }
    const created = await run(podman, ["network", "create", "--disable-dns", "--opt", "isolate=true", ...ownerLabels(installation, project), network]);
    if (created.code !== 0 && (await run(podman, ["network", "exists", network])).code !== 0)
      throw new Error(`podman could not create network ${network}: ${lastLine(created.stderr)}`);
    knownNetworks.add(network);
    return network;
  }

  // The networks of projects left without pods go at the next sweep (a minute at most, when
  // observing): not at once, so that a project's next launch soon after finds it. Podman
  // refuses to remove a network a container uses; the lock keeps a pod being played on it.
  const networkSweepMs = params.networkSweepMs ?? 60_000;
  let lastSweep = Number.NEGATIVE_INFINITY;
  async function sweepNetworks(pods: readonly PodJson[]): Promise<void> {
    if (Date.now() - lastSweep < networkSweepMs) return;
    lastSweep = Date.now();
    const networks = await json<NetworkJson[]>(["network", "ls", "--filter", byInstallation, "--format", "json"]).catch(() => [] as NetworkJson[]);
    const busy = new Set(pods.map((pod) => pod.Labels?.[LABELS.project]));
    for (const network of networks) {
      const project = network.labels?.[LABELS.project];
      if (!ours(network.labels) || !project || busy.has(project)) continue;
      await withProjectLock(project, async () => {
        const removed = await run(podman, ["network", "rm", network.name]);
        if (removed.code === 0) knownNetworks.delete(network.name);
      });
    }
  }

  // Older Plateaus named and labelled objects without an installation id. They are never
  // observed, replaced or removed, except an instance's own: one whose pod file this data
  // directory holds (the older Plateau wrote it at each launch and removed it with the
  // instance), which is adopted when it is applied (docs/adr/0015).
  const legacyPodFile = (project: string, instance: string) => join(params.runtimeDir, `${LEGACY_NAMES.pod(project, instance)}.yaml`);
  const provablyOurs = (project: string, instance: string) =>
    access(legacyPodFile(project, instance)).then(
      () => true,
      () => false,
    );
  const labelsOf = async (kind: "pod" | "volume", name: string): Promise<Record<string, string> | undefined> => {
    const inspected = await run(podman, [kind, "inspect", "--format", "json", name]);
    if (inspected.code !== 0) return undefined;
    const parsed = JSON.parse(inspected.stdout.toString("utf8") || "null") as
      { Labels?: Record<string, string> } | { Labels?: Record<string, string> }[] | null;
    return (Array.isArray(parsed) ? parsed[0] : parsed)?.Labels ?? {};
  };

  /** The volumes of an adopted instance it keeps using, by claim (none for others). */
  async function adoptedVolumes(project: string, instance: string, claims: readonly string[], adopted: boolean): Promise<Record<string, string>> {
    const volumes: Record<string, string> = {};
    if (!adopted) return volumes;
    for (const claim of claims) {
      if ((await run(podman, ["volume", "exists", names.volume(project, claim)])).code === 0) continue;
      const legacy = LEGACY_NAMES.volume(project, claim);
      if (isLegacy(await labelsOf("volume", legacy), project, instance)) volumes[claim] = legacy;
    }
    return volumes;
  }

  /** Replaces an adopted instance's older pod: a pod holds no data, its volumes stay. */
  async function retireLegacyPod(project: string, instance: string, options: ApplyOptions): Promise<void> {
    const legacy = LEGACY_NAMES.pod(project, instance);
    if (!isLegacy(await labelsOf("pod", legacy), project, instance)) return;
    options.progress("replacing the pod of an older Plateau", "replacing");
    logger.info({ project, instance, pod: legacy }, "adopting an instance of an older Plateau: its pod is replaced, its volumes kept");
    await removePod(legacy);
  }

  let legacyReported = false;
  async function reportLegacy(): Promise<void> {
    legacyReported = true;
    const [pods, volumes] = await Promise.all([
      json<PodJson[]>(["pod", "ps", "--filter", `label=${LABELS.managed}=true`, "--format", "json"]),
      json<VolumeJson[]>(["volume", "ls", "--filter", `label=${LABELS.managed}=true`, "--format", "json"]),
    ]).catch(() => [[], []] as [PodJson[], VolumeJson[]]);
    const legacyPods = pods.filter((pod) => pod.Labels?.[LABELS.installation] === undefined).map((pod) => pod.Name);
    const legacyVolumes = volumes.filter((volume) => volume.Labels?.[LABELS.installation] === undefined).map((volume) => volume.Name);
    if (legacyPods.length + legacyVolumes.length > 0)
      logger.warn(
        { pods: legacyPods, volumes: legacyVolumes },
        "podman holds pods or volumes of a Plateau from before installation ids: they are left alone (see docs/podman.md, Upgrading)",
      );
  }

  // Which restores are done, per instance (ADR 0034): a file beside its pod file, written (and
  // synced) only once the backup's volumes are all in place, removed with the instance. A crash
  // before it redoes the restore (it replaces the volumes again: the same result); after it,
  // the restore is never done again, whatever the instance wrote since.
  const restoredFile = (pod: string) => join(params.runtimeDir, `${pod}.restored.json`);
  async function restoredBackups(pod: string): Promise<string[]> {
    const text = await readFile(restoredFile(pod), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "[]";
      throw error;
    });
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
  }
  async function recordRestored(pod: string, restore: string): Promise<void> {
    const done = [...new Set([...(await restoredBackups(pod)), restore])].sort();
    await mkdir(params.runtimeDir, { recursive: true });
    const file = restoredFile(pod);
    const partial = `${file}.partial`;
    const handle = await open(partial, "w", 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(done)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
    const dir = await open(params.runtimeDir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /**
   * Restores the instance's volumes from the backup its objects name, unless that was done:
   * its pod goes first (its volumes stay), then the backups' adapter checks every archive
   * before it replaces anything (`backup-corrupt` otherwise: the apply fails, the volumes are
   * as they were). True when it restored (the pod, if any, is gone).
   */
  async function restoreVolumes(
    unit: DesiredUnit,
    restore: VolumeRestore,
    pod: string,
    volumes: { readonly names: readonly string[]; readonly adopted: Readonly<Record<string, string>> },
    options: ApplyOptions,
  ): Promise<boolean> {
    // Ids are unique on the platform that took them: done is said of both.
    const done = `${restore.platform}/${restore.backup}`;
    if ((await restoredBackups(pod)).includes(done)) return false;
    const { project, instance } = unit;
    const ref = `${project}/${instance}`;
    const backups = await params.volumeBackups?.backupsFor(restore.platform);
    if (!backups) throw new Error(`backup ${restore.backup} cannot be restored: platform ${restore.platform} has no volume backups this Plateau reads`);
    // Only a backup of this very instance (the same project and name: its own, or its failover's).
    const record = (await backups.list(project, instance)).find((candidate) => candidate.id === restore.backup);
    if (!record || record.project !== project || record.instance !== instance)
      throw new Error(`backup ${restore.backup} of ${ref} is not in ${backups.location}: nothing was restored`);
    options.progress(`restoring its volumes from backup ${restore.backup} (taken ${restore.takenAt})`, "restoring", {
      backup: restore.backup,
      takenAt: restore.takenAt,
    });
    // Whatever the caller last saw: a pod still writing to the volumes must be gone (`--ignore`: none is fine).
    await removePod(pod);
    await ensureVolumes(volumes.names, project, instance, volumes.adopted);
    const report = await backups.restore(record, { project, instance }, options.signal ? { signal: options.signal } : {});
    await recordRestored(pod, done);
    logger.info({ project, instance, backup: restore.backup, takenAt: restore.takenAt, volumes: report.volumes }, "volumes restored from a backup");
    return true;
  }

  async function removePod(name: string): Promise<void> {
    // Stop first with the grace period, then remove: `pod rm -f -t` waits longer on podman 4.3.
    await run(podman, ["pod", "stop", "--ignore", "-t", stopTimeout, name]);
    const removed = await run(podman, ["pod", "rm", "--ignore", "-f", name]);
    if (removed.code !== 0) throw new Error(`podman could not remove pod ${name}: ${lastLine(removed.stderr)}`);
  }

  async function failureReason(pod: string): Promise<string> {
    const containers = await json<ContainerJson[]>(["ps", "-a", "--filter", `pod=${pod}`, "--format", "json"]).catch(() => [] as ContainerJson[]);
    const exited = containers.find((container) => container.State === "exited" && container.Labels?.[LABELS.managed] === "true");
    if (!exited) return `pod ${pod} is not running`;
    const name = exited.Names?.[0] ?? "a container";
    const logs = await run(podman, ["logs", "--tail", "3", name]);
    const tail = lastLine(`${logs.stdout.toString("utf8")}\n${logs.stderr}`);
    return `container ${name.replace(`${pod}-`, "")} exited with code ${exited.ExitCode ?? "?"}: ${tail}`;
  }

  async function observeUnits(): Promise<ObservedUnit[]> {
    if (plays.size > 0) await Promise.allSettled([...plays]);
    if (!legacyReported) await reportLegacy();
    const [pods, allVolumes] = await Promise.all([managedPods(), json<VolumeJson[]>(["volume", "ls", "--filter", byInstallation, "--format", "json"])]);
    const volumes = allVolumes.filter((volume) => ours(volume.Labels));
    await sweepNetworks(pods);
    const units = new Map<string, ObservedUnit>();
    for (const pod of pods) {
      const labels = pod.Labels ?? {};
      const project = labels[LABELS.project];
      const instance = labels[LABELS.instance];
      if (!project || !instance) continue;
      const endpoint = labels[LABELS.endpoint] ?? null;
      let phase: ObservedUnit["phase"];
      let reason = "";
      if (pod.Status === "Running") {
        const ready = endpoint === null || (await probe(endpoint, labels[LABELS.readiness]));
        phase = ready ? "running" : "starting";
        if (!ready) reason = `waiting for ${endpoint} to answer`;
      } else {
        phase = "failed";
        reason = pod.Status === "Degraded" || pod.Status === "Exited" ? await failureReason(pod.Name) : `pod is ${pod.Status.toLowerCase()}`;
      }
      units.set(`${project}/${instance}`, {
        project,
        instance,
        hash: labels[LABELS.hash] ?? null,
        phase,
        reason,
        endpoint: phase === "running" ? endpoint : null,
      });
    }
    for (const volume of volumes) {
      const project = volume.Labels?.[LABELS.project];
      const instance = volume.Labels?.[LABELS.instance];
      if (!project || !instance || units.has(`${project}/${instance}`)) continue;
      units.set(`${project}/${instance}`, { project, instance, hash: null, phase: "stopped", reason: "stopped; its data is kept", endpoint: null });
    }
    return [...units.values()];
  }

  async function missingImagesOf(images: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const unknown = images.filter((image) => now - (presentImages.get(image) ?? 0) > IMAGE_MEMORY_MS);
    const present = await Promise.all(unknown.map(async (image) => (await run(podman, ["image", "exists", image])).code === 0));
    unknown.forEach((image, i) => present[i] && presentImages.set(image, now));
    return unknown.filter((_, i) => !present[i]);
  }

  async function pullImages(images: readonly string[], options: ApplyOptions): Promise<void> {
    for (const image of images) {
      // podman's own namespace: images built on this machine. Pulling one would ask a server on this machine.
      if (registryOf(image) === LOCAL_IMAGES)
        throw new Error(imagePullFailure(image, "it is not on this machine (localhost/ images are built here, never pulled)"));
      // Launches and starts check images against the allow-list; an instance running from
      // before it, or written into the repository otherwise, is pulled here all the same.
      const forbidden = forbiddenRegistryProblem(registryOf(image));
      if (forbidden) throw new Error(imagePullFailure(image, `never pulled: ${forbidden}`));
      options.progress(`pulling image ${image}`, "pulling", { image });
      const pulled = await run(podman, ["pull", "--quiet", image], { signal: options.signal });
      // Members are told which image; the detail (the registry's or the network's answer) is for operators.
      if (pulled.code !== 0) throw new Error(imagePullFailure(image, lastLine(pulled.stderr)));
    }
  }

  async function ensureVolumes(volumes: readonly string[], project: string, instance: string, adopted: Readonly<Record<string, string>>): Promise<void> {
    const kept = new Set(Object.values(adopted));
    for (const volume of volumes) {
      if (kept.has(volume) || (await run(podman, ["volume", "exists", volume])).code === 0) continue;
      const created = await run(podman, ["volume", "create", ...ownerLabels(installation, project, instance), volume]);
      if (created.code !== 0 && (await run(podman, ["volume", "exists", volume])).code !== 0)
        throw new Error(`podman could not create volume ${volume}: ${lastLine(created.stderr)}`);
    }
  }

  async function writeSecret(secret: { name: string; data: Readonly<Record<string, string>> }, project: string, instance: string): Promise<void> {
    // podman reads a secretKeyRef's secret as a JSON map of base64 values.
    const content = JSON.stringify(Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")])));
    // podman accepts `-` only from a real pipe (Node gives it a socket): use a private file, removed at once.
    await mkdir(params.runtimeDir, { recursive: true, mode: 0o700 });
    const file = join(params.runtimeDir, `${secret.name}.secret`);
    await writeFile(file, content, { mode: 0o600 });
    try {
      await run(podman, ["secret", "rm", secret.name]);
      await runChecked(podman, ["secret", "create", ...ownerLabels(installation, project, instance), secret.name, file]);
    } finally {
      await rm(file, { force: true });
    }
  }

  async function waitUntilServing(pod: string, endpoint: string | undefined, readinessPath: string | undefined, options: ApplyOptions): Promise<void> {
    const deadline = Date.now() + startupTimeoutMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (options.signal?.aborted) throw new Error("aborted");
      if (endpoint && (await probe(endpoint, readinessPath, 2000))) return;
      // Said only when there is a wait: most pods answer at once, and each status costs writes.
      if (endpoint && attempt === 0) options.progress(`waiting for the application to answer`, "waiting");
      // Look at the pod itself now and then: a crashed container will not start answering.
      if (!endpoint || attempt % 50 === 49) {
        const [state] = await json<PodJson[]>(["pod", "ps", "--filter", `name=^${pod.replaceAll(".", "\\.")}$`, "--format", "json"]);
        if (!state) throw new Error(`pod ${pod} disappeared while starting`);
        if (state.Status === "Degraded" || state.Status === "Exited" || state.Status === "Error") throw new Error(await failureReason(pod));
        if (!endpoint && state.Status === "Running") return;
      }
      // Most applications answer within a second: look often at first, then less.
      await sleep(attempt < 200 ? 5 : attempt < 300 ? 50 : 250);
    }
    throw new Error(`the application did not answer within ${Math.round(startupTimeoutMs / 1000)}s`);
  }

  return {
    async availability() {
      if (cachedAvailability && Date.now() - cachedAvailability.at < 15_000) return cachedAvailability.value;
      let value: EngineAvailability;
      try {
        const result = await run(podman, ["version", "--format", "{{.Client.Version}}"], { timeoutMs: 15_000 });
        value =
          result.code === 0
            ? { available: true, version: `podman ${result.stdout.toString("utf8").trim()}` }
            : { available: false, reason: `podman does not work: ${lastLine(result.stderr)}`, hint: "see docs/podman.md" };
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        value = { available: false, reason: missing ? "podman is not installed" : (error as Error).message, hint: PODMAN_INSTALL_HINT };
      }
      if (!cachedAvailability || cachedAvailability.value.available !== value.available)
        logger.info({ ...value }, value.available ? "podman is available" : "podman is unavailable");
      cachedAvailability = { at: Date.now(), value };
      return value;
    },

    observe: observeUnits,

    async apply(unit: DesiredUnit, options: ApplyOptions): Promise<ObservedUnit> {
      const [hostPort, adopted] = await Promise.all([freeLoopbackPort(), provablyOurs(unit.project, unit.instance)]);
      const volumeNames = await adoptedVolumes(unit.project, unit.instance, claimsOf(unit.objects), adopted);
      const plan = adaptForPodman({
        installation,
        project: unit.project,
        instance: unit.instance,
        hash: unit.hash,
        objects: unit.objects,
        secrets: options.secrets,
        hostPort,
        volumeNames,
      });
      const name = plan.podName;
      // Independent lookups run together, and none when the caller knows nothing runs: each
      // podman command costs tens of milliseconds, a noticeable part of a launch.
      const knownAbsent = options.observed === null || (options.observed !== undefined && options.observed.hash === null);
      const [pods, missingImages] = await Promise.all([
        knownAbsent ? Promise.resolve([]) : managedPods(),
        plan.stopped ? Promise.resolve([]) : missingImagesOf(plan.images),
      ]);
      let current = pods.find((pod) => pod.Name === name);
      if (adopted) await retireLegacyPod(unit.project, unit.instance, options);
      // Its volumes come from a backup before it starts (ADR 0034): once per backup id.
      const restore = volumeRestoreOf(unit.objects);
      if (restore && !plan.stopped && (await restoreVolumes(unit, restore, name, { names: plan.volumes, adopted: volumeNames }, options))) current = undefined;
      if (plan.stopped) {
        if (current) await removePod(name);
        await ensureVolumes(plan.volumes, unit.project, unit.instance, volumeNames);
        return { project: unit.project, instance: unit.instance, hash: null, phase: "stopped", reason: "stopped; its data is kept", endpoint: null };
      }
      // The same revision already running and serving: nothing to do (idempotent).
      if (current && current.Labels?.[LABELS.hash] === unit.hash && current.Status === "Running") {
        const endpoint = current.Labels[LABELS.endpoint];
        if (!endpoint || (await probe(endpoint, current.Labels[LABELS.readiness]))) {
          return { project: unit.project, instance: unit.instance, hash: unit.hash, phase: "running", reason: "", endpoint: endpoint ?? null };
        }
      }
      await pullImages(missingImages, options);
      if (current) {
        options.progress("replacing the previous revision", "replacing");
        await removePod(name);
      }
      await ensureVolumes(plan.volumes, unit.project, unit.instance, volumeNames);
      if (plan.secret) await writeSecret(plan.secret, unit.project, unit.instance);

      await mkdir(params.runtimeDir, { recursive: true });
      const file = join(params.runtimeDir, `${name}.yaml`);
      await writeFile(file, toYaml(plan.pod), { mode: 0o600 });
      options.progress("starting the pod", "starting");
      const started = withProjectLock(unit.project, async () => {
        let network = await ensureNetwork(unit.project);
        const play = () => run(podman, ["kube", "play", "--quiet", "--network", network, file]);
        let result = await play();
        if (result.code !== 0 && /network not found|unable to find network/i.test(result.stderr)) {
          // Removed by someone else since it was last seen: made again.
          knownNetworks.delete(network);
          await run(podman, ["pod", "rm", "--ignore", "-f", name]);
          network = await ensureNetwork(unit.project);
          result = await play();
        }
        if (result.code !== 0 && /already exists/.test(result.stderr) && knownAbsent) {
          // The caller's view was stale: a pod of this instance exists. Replace it.
          options.progress("replacing the previous revision", "replacing");
          await removePod(name);
          result = await play();
        }
        // kube play is not atomic: never leave a half-created pod behind.
        if (result.code !== 0) await run(podman, ["pod", "rm", "--ignore", "-f", name]);
        return result;
      });
      const played = await playing(started);
      if (played.code !== 0) {
        // An image seen present may have been removed since (kube play never pulls): look again next time.
        for (const image of plan.images) presentImages.delete(image);
        throw new Error(`podman could not start the pod: ${lastLine(played.stderr)}`);
      }
      const endpoint = plan.exposedPort !== undefined ? `127.0.0.1:${hostPort}` : undefined;
      await waitUntilServing(name, endpoint, plan.readinessPath, options);
      return { project: unit.project, instance: unit.instance, hash: unit.hash, phase: "running", reason: "", endpoint: endpoint ?? null };
    },

    async stop(project, instance) {
      await removePod(names.pod(project, instance));
    },

    async remove(project, instance) {
      const name = names.pod(project, instance);
      await removePod(name);
      // By one label, then checked: podman 4.3 ORs repeated label filters of volumes.
      const volumes = (await json<VolumeJson[]>(["volume", "ls", "--filter", byInstallation, "--format", "json"])).filter(
        (volume) => ours(volume.Labels) && volume.Labels[LABELS.project] === project && volume.Labels[LABELS.instance] === instance,
      );
      for (const volume of volumes) {
        const removed = await run(podman, ["volume", "rm", "--force", volume.Name]);
        if (removed.code !== 0) throw new Error(`podman could not remove volume ${volume.Name}: ${lastLine(removed.stderr)}`);
      }
      await run(podman, ["secret", "rm", names.secret(project, generatedSecretName(instance))]);
      await rm(join(params.runtimeDir, `${name}.yaml`), { force: true });
      // Its restores go with its volumes: an instance of this name made later restores afresh.
      await rm(restoredFile(name), { force: true });
      // An adopted instance: the older volumes stay (another Plateau of that time may have used
      // the same names), and the marker goes, so that no new instance of this name adopts them.
      if (await provablyOurs(project, instance)) {
        const kept = (await json<VolumeJson[]>(["volume", "ls", "--filter", `label=${LABELS.instance}=${instance}`, "--format", "json"])).filter((volume) =>
          isLegacy(volume.Labels, project, instance),
        );
        if (kept.length > 0)
          logger.warn(
            { project, instance, volumes: kept.map((volume) => volume.Name) },
            "the instance is removed; the volumes an older Plateau made for it are kept: podman volume rm removes them",
          );
        await rm(legacyPodFile(project, instance), { force: true });
      }
    },

    async *logs(project: string, instance: string, options: LogOptions): AsyncIterable<string> {
      const name = names.pod(project, instance);
      const pods = await managedPods();
      const pod = pods.find((candidate) => candidate.Name === name);
      if (!pod) {
        yield `(${project}/${instance} has no running workload)\n`;
        return;
      }
      // `podman pod logs` prefixes lines with container ids: show component names instead.
      const components = new Map((pod.Containers ?? []).map((container) => [container.Id.slice(0, 12), container.Names.replace(`${name}-`, "")]));
      const rename = (line: string) => {
        const id = line.slice(0, 12);
        const component = components.get(id);
        return component ? `${component} |${line.slice(12)}` : line;
      };
      if (!options.follow) {
        for await (const lines of processLines(podman, ["pod", "logs", "--tail", String(options.tail), name], options.signal)) {
          yield lines.map((line) => `${rename(line)}\n`).join("");
        }
        return;
      }
      // Followed: everyone following this pod shares one follower, started a little in the past
      // so that nothing between a viewer's arrival and its start is missed. Each viewer reads
      // its own history (a process that ends), then the follower's lines logged after it came,
      // less those its history already had. Lines carry their timestamps until here.
      const joined = BigInt(Date.now()) * 1_000_000n;
      const viewer = fanout.join(pod.Id, (onLine, onEnd) => {
        const since = new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, "Z");
        return followProcess(podman, ["pod", "logs", "--follow", "--timestamps", "--since", since, name], onLine, onEnd);
      });
      const abort = () => viewer.close();
      if (options.signal?.aborted) viewer.close();
      options.signal?.addEventListener("abort", abort);
      const untimed = (line: string) => rename(withoutTimestamp(line));
      try {
        let seen = new Set<string>();
        if (options.tail > 0) {
          // Sorted below, so held whole: the newest MAX_HISTORY_CHARS of it at most.
          let history: string[] = [];
          let first = 0;
          let held = 0;
          for await (const lines of processLines(podman, ["pod", "logs", "--timestamps", "--tail", String(options.tail), name], options.signal)) {
            for (const line of lines) {
              history.push(line);
              held += line.length;
            }
            for (; held > MAX_HISTORY_CHARS && first < history.length; first++) {
              held -= (history[first] as string).length;
              history[first] = "";
            }
          }
          history = history.slice(first);
          seen = new Set(history);
          // Both containers' lines, in the order they were logged.
          history.sort((a, b) => compareTimes(timestampOf(a), timestampOf(b)));
          if (first > 0) history.unshift(HISTORY_CUT_NOTE);
          if (history.length > 0) yield history.map((line) => `${untimed(line)}\n`).join("");
        }
        for await (const lines of viewer) {
          const fresh = lines.filter((line) => {
            const at = timestampOf(line);
            return at === undefined || (at >= joined && !seen.has(line));
          });
          if (fresh.length > 0) yield fresh.map((line) => `${untimed(line)}\n`).join("");
        }
      } finally {
        options.signal?.removeEventListener("abort", abort);
        viewer.close();
      }
    },

    logFollowing: () => ({ followers: fanout.followers(), viewers: fanout.viewers() }),
  };
}

/** `<container id> <RFC 3339 time> <text>` (what `--timestamps` gives): nanoseconds since the epoch. */
export function timestampOf(line: string): bigint | undefined {
  const match = /^\S+ (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /.exec(line);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}
const compareTimes = (a: bigint | undefined, b: bigint | undefined): number => (a === undefined || b === undefined ? 0 : a < b ? -1 : a > b ? 1 : 0);
const withoutTimestamp = (line: string): string => line.replace(/^(\S+) \d{4}-\d\d-\d\dT\S+ /, "$1 ");

const isNoise = (line: string) => line.startsWith("failed to connect to syslog");

/**
 * A log line longer than this is cut (and says so): podman joins a container's partial lines,
 * so a container writing without newlines would make one line as long as it likes, held
 * whole in Plateau's memory, once per viewer.
 */
export const MAX_LOG_LINE = 16_384;
export const CUT_NOTE = " (Plateau: line cut)";

/** Splits a stream into lines, as they come; a line longer than MAX_LOG_LINE is cut, the rest of it skipped. */
function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = "";
  let skipping = false;
  const emit = (line: string) => !isNoise(line) && onLine(line);
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!skipping) emit(line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}${CUT_NOTE}` : line);
      skipping = false;
    }
    if (!skipping && pending.length > MAX_LOG_LINE) {
      emit(`${pending.slice(0, MAX_LOG_LINE)}${CUT_NOTE}`);
      skipping = true;
    }
    if (skipping) pending = "";
  });
  stream.on("end", () => {
    if (pending && !skipping) emit(pending);
    pending = "";
  });
}

/** A follower: the process's lines (both outputs) until it ends or is stopped; paused, the process waits. */
function followProcess(command: string, args: string[], onLine: (line: string) => void, onEnd: () => void): FollowerSource & { pause(): void; resume(): void } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  onLines(child.stdout, onLine);
  onLines(child.stderr, onLine);
  child.on("error", onEnd);
  child.on("close", onEnd);
  return {
    stop: () => child.exitCode === null && child.signalCode === null && child.kill("SIGTERM"),
    pause: () => [child.stdout, child.stderr].forEach((stream) => stream.pause()),
    resume: () => [child.stdout, child.stderr].forEach((stream) => stream.resume()),
  };
}

/** The history a followed log starts with, at most (its newest lines): it is sorted, so held whole. */
export const MAX_HISTORY_CHARS = 4 * 1024 * 1024;
export const HISTORY_CUT_NOTE = "(Plateau: older lines left out; read fewer with tail)";

/** What processLines holds for a reader that does not take it: beyond, the process waits. */
export const MAX_BATCH_CHARS = 1024 * 1024;

/** A process's lines (both outputs), in batches as they come, until it ends; stopped if the signal aborts. */
async function* processLines(command: string, args: string[], signal: AbortSignal | undefined): AsyncIterable<string[]> {
  let batch: string[] = [];
  let batchChars = 0;
  let done = false;
  let wake: (() => void) | undefined;
  const source = followProcess(
    command,
    args,
    (line) => {
      batch.push(line);
      batchChars += line.length;
      // A reader slower than the process (a client that reads 100 000 lines slowly): the
      // process waits, rather than Plateau holding all of them.
      if (batchChars > MAX_BATCH_CHARS) source.pause();
      wake?.();
    },
    () => {
      done = true;
      wake?.();
    },
  );
  const abort = () => source.stop();
  signal?.addEventListener("abort", abort);
  try {
    for (;;) {
      if (batch.length > 0) {
        const lines = batch;
        batch = [];
        batchChars = 0;
        source.resume();
        yield lines;
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    source.stop();
  }
}
