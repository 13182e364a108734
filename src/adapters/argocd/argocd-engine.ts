// The engine of a cluster platform driven by Argo CD from git (ADR 0010): Plateau's commit IS
// the deployment. Argo CD's ApplicationSet makes one Application `<project>.<instance>` of
// each directory `rendered/<platform>/<project>/<instance>`, and syncs it automatically; a Helm
// instance is an Application file under `<project>/_helm/<instance>` that Plateau's Helm
// instances Application applies. This engine therefore applies nothing itself: it reads what
// Argo CD reports, asks it to look at git now rather than at its next poll, and hands the
// generated secrets over (they never go to git).
//
// What "the hash of what runs" means here: the content hash, at the revision Argo CD last
// compared the Application with (`status.sync.revision`), of the directory that Application
// reads — the same tree hash the reconciler reads at the head. The phase says whether that
// revision is in the cluster yet (`starting` while Argo CD syncs it, `failed` when it could
// not), so "Argo CD has taken this revision in hand" and "it is there" are told apart by the
// phase, and the reconciler's plan does not act again while Argo CD works.
//
// Stopping: Argo CD deploys whatever the rendering says, so a stopped instance is a rendering
// with zero replicas (or a chart's suspend value), "applied" like any other (`declarative`).
// Its Application is then Synced and Healthy, which this engine reports as `running`: the
// reconciler, which knows the instance is stopped, reports it `stopped` once the hash matches.
import { NotFoundError } from "../../core/errors.js";
import { isValidName } from "../../core/names.js";
import type { ApplyOptions, DesiredUnit, Engine, EngineAvailability, LogOptions, ObservedUnit } from "../../core/ports/engine.js";
import { appProjectName, HELM_INSTANCES_APPLICATION, instanceApplicationName, OPERATOR_APP_PROJECT } from "../../core/render/argocd.js";
import { generatedSecretName } from "../../core/render/render.js";
import { renderedHelmInstanceDir, renderedInstanceDir } from "../../core/repository/layout.js";
import { argoCdBlockingCondition, observeArgoCdStatus, shortRevision, type ArgoCdObservedState } from "../../core/status/argocd-status.js";
import type { SecretHandOver } from "../kubernetes/secret-hand-over.js";
import { ArgoCdError, type ArgoCdApplication, type ArgoCdClient } from "./argocd-client.js";

// The labels src/core/render/argocd.ts puts on every Application it renders.
const PLATFORM_LABEL = "plateau.io/platform";
const PROJECT_LABEL = "plateau.io/project";
const INSTANCE_LABEL = "plateau.io/instance";

export interface ArgoCdEngineParams {
  readonly platform: string;
  readonly client: ArgoCdClient;
  /** The namespace the Applications live in: Argo CD's (`spec.argocd.namespace`). */
  readonly appNamespace: string;
  /** The content hash of a path at a commit of the desired-state repository (DesiredStateRepository.hashOf). */
  readonly hashOf: (commit: string, path: string) => Promise<string | undefined>;
  /** The Application applying the Helm instances' Applications. Default `plateau-helm-instances`. */
  readonly helmInstancesApplication?: string;
  /** Where the token is set, for the hint when Argo CD refuses it (e.g. `PLATEAU_ARGOCD_PLMSHIFT_TOKEN`). */
  readonly tokenSource?: string;
  /** Hands generated secrets to the cluster (`<instance>-generated` in the project's namespace); none: instances needing one wait for it. */
  readonly secrets?: Pick<SecretHandOver, "put" | "remove">;
  /**
   * How long an apply may report "waiting for Argo CD" for a revision Argo CD has not taken
   * in hand (it does not see the commit, or the ApplicationSet does not generate the
   * Application) before it fails with what Argo CD says, and the reconciler backs off. Default 10 min.
   */
  readonly syncDeadlineMs?: number;
  readonly now?: () => number;
}

/** A Helm instance's rendering is its Application (Argo CD's kind), not workloads. */
const isHelmUnit = (unit: DesiredUnit): boolean => unit.objects.some((object) => object.kind === "Application" && object.apiVersion.startsWith("argoproj.io/"));

/** Ingresses and Routes as Argo CD lists them: the first https one, else the first. */
function endpointOf(app: ArgoCdApplication): string | null {
  const urls = app.status?.summary?.externalURLs ?? [];
  return urls.find((url) => url.startsWith("https://")) ?? urls[0] ?? null;
}

/** Commits never change: what a path hashes to at one is kept (bounded). */
const HASH_CACHE_SIZE = 5000;

export function createArgoCdEngine(params: ArgoCdEngineParams): Engine {
  const { platform, client, appNamespace } = params;
  const helmInstances = params.helmInstancesApplication ?? HELM_INSTANCES_APPLICATION;
  const syncDeadlineMs = params.syncDeadlineMs ?? 600_000;
  const now = params.now ?? Date.now;
  const hashes = new Map<string, string>();
  /** Per unit, the hash an apply is waiting for Argo CD to take in hand, and since when. */
  const waiting = new Map<string, { hash: string; since: number }>();
  const unitKey = (project: string, instance: string) => `${project}/${instance}`;

  async function hashAt(revision: string, path: string): Promise<string | null> {
    const key = `${revision}\0${path}`;
    const known = hashes.get(key);
    if (known) return known;
    // A revision Plateau does not have (pushed by someone else, not fetched yet) hashes to
    // nothing for now: not remembered, it may be known at the next look.
    const hash = await params.hashOf(revision, path).catch(() => undefined);
    if (hash === undefined) return null;
    if (hashes.size >= HASH_CACHE_SIZE) hashes.clear();
    hashes.set(key, hash);
    return hash;
  }

  /**
   * Whether the Helm instances' Application has applied this instance's Application file:
   * undefined when it has (the instance's own status then tells the rest).
   */
  function helmGate(helmApp: ArgoCdApplication, name: string): ArgoCdObservedState | undefined {
    const resource = helmApp.status?.resources?.find((r) => r.kind === "Application" && r.name === name);
    if (resource?.status === "Synced") return undefined;
    const state = observeArgoCdStatus(helmApp.status);
    // Only what concerns the file's application: the other instances' health is not this one's.
    if (state.phase === "starting" || state.phase === "failed") return state;
    return { phase: "starting", reason: `waiting for Argo CD to apply revision ${shortRevision(helmApp.status?.sync?.revision)} of the Helm instances` };
  }

  async function toUnit(app: ArgoCdApplication, project: string, instance: string, helmApp: ArgoCdApplication | undefined): Promise<ObservedUnit> {
    let state = observeArgoCdStatus(app.status);
    let revision: string | undefined;
    let path: string;
    if (app.spec?.source?.chart) {
      // The chart's version is the instance Application's revision; what Plateau wrote is the
      // Application file, in the cluster as of the Helm instances Application's revision.
      revision = helmApp?.status?.sync?.revision;
      path = renderedHelmInstanceDir(platform, project, instance);
      if (!helmApp) state = { phase: "starting", reason: `Argo CD has no Application ${helmInstances} applying the Helm instances` };
      else state = helmGate(helmApp, app.metadata.name) ?? state;
    } else {
      revision = app.status?.sync?.revision;
      path = app.spec?.source?.path ?? renderedInstanceDir(platform, project, instance);
    }
    const hash = revision ? await hashAt(revision, path) : null;
    // Nothing known to be deployed: starting, unless Argo CD already says why it cannot be.
    if (hash === null && state.phase !== "failed") {
      const reason = revision
        ? `Argo CD is at revision ${shortRevision(revision)}, which Plateau's repository does not hold (yet)`
        : state.phase === "starting"
          ? state.reason
          : "Argo CD has not compared it with git yet";
      state = { phase: "starting", reason };
    }
    return { project, instance, hash, phase: state.phase, reason: state.reason, endpoint: endpointOf(app) };
  }

  async function getIfPresent(name: string, project: string, refresh: boolean, signal: AbortSignal | undefined): Promise<ArgoCdApplication | undefined> {
    try {
      // With its project, a missing Application is a 404 rather than Argo CD's 403.
      return await client.getApplication(name, { appNamespace, project, ...(refresh ? { refresh: "normal" as const } : {}), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof NotFoundError) return undefined; // not generated (or applied) yet
      throw error;
    }
  }

  /**
   * Argo CD has not taken `unit.hash` in hand yet. The answer claims the hash, phase starting:
   * with `null`, the reconciler's next pass — woken at once by this action's end, and
   * planning from what this answer says — would apply again at once, in a loop of refreshes.
   * Claimed, the unit is up to date for the plan until the next observation (the periodic
   * pass), which tells the truth; if Argo CD is still behind then, the plan applies again
   * (one refresh per unit and period). Past the deadline the apply fails with Argo CD's
   * words, and the reconciler backs off (up to 5 minutes between attempts).
   */
  function waitingFor(unit: DesiredUnit, reason: string, app: ArgoCdApplication | undefined): ObservedUnit {
    const key = unitKey(unit.project, unit.instance);
    const previous = waiting.get(key);
    const since = previous?.hash === unit.hash ? previous.since : now();
    waiting.set(key, { hash: unit.hash, since });
    if (now() - since > syncDeadlineMs) {
      const name = instanceApplicationName(unit.project, unit.instance);
      const said = app ? observeArgoCdStatus(app.status).reason : "";
      const where = !app
        ? `the Application ${name} does not exist: is the ApplicationSet generating it?`
        : `the Application ${name} is at revision ${shortRevision(app.status?.sync?.revision) || "none"}${said ? `, and Argo CD says: ${said}` : ""}`;
      throw new Error(
        `Argo CD has not taken revision ${shortRevision(unit.hash)} in hand after ${Math.round(syncDeadlineMs / 60_000)} min (${where}); check that Argo CD sees the repository's latest commit`,
      );
    }
    return { project: unit.project, instance: unit.instance, hash: unit.hash, phase: "starting", reason, endpoint: null };
  }

  const tokenHint = `set a valid Argo CD API token in ${params.tokenSource ?? "the variable named by spec.argocd.tokenEnv"} (see docs/argocd.md)`;
  const urlHint = `check that Plateau reaches Argo CD at ${client.url} (spec.argocd.url)`;

  return {
    declarative: true,

    async availability(): Promise<EngineAvailability> {
      try {
        const version = await client.version();
        if (!version.signedIn) return { available: false, reason: `Argo CD at ${client.url} answers but refused the token`, hint: tokenHint };
        return { available: true, version: `Argo CD ${version.version}` };
      } catch (error) {
        const kind = error instanceof ArgoCdError ? error.kind : "network";
        return { available: false, reason: (error as Error).message, hint: kind === "auth" ? tokenHint : urlHint };
      }
    },

    async observe(): Promise<ObservedUnit[]> {
      const apps = await client.listApplications({ selector: `${PLATFORM_LABEL}=${platform}`, appNamespace });
      const helmApp = apps.find((app) => app.metadata.name === helmInstances);
      const units: Promise<ObservedUnit>[] = [];
      for (const app of apps) {
        const labels = app.metadata.labels ?? {};
        const project = labels[PROJECT_LABEL];
        const instance = labels[INSTANCE_LABEL];
        // Plateau's own Applications (bootstrap, bundles, Helm instances) are no instance; labels
        // come from the cluster, and become paths: only names Plateau could have written.
        if (!project || !instance || !isValidName(project) || !isValidName(instance)) continue;
        // Being deleted (its directory is gone, the finalizer removes what it deployed): it no
        // longer runs for Plateau, and reporting it would only ask for a removal again.
        if (app.metadata.deletionTimestamp) continue;
        units.push(toUnit(app, project, instance, helmApp));
      }
      return Promise.all(units);
    },

    async apply(unit: DesiredUnit, options: ApplyOptions): Promise<ObservedUnit> {
      const { project, instance } = unit;
      const name = instanceApplicationName(project, instance);
      // The secrets first: the workload Argo CD is about to create refers to them.
      for (const [secret, data] of Object.entries(options.secrets)) {
        if (!params.secrets) throw new Error(`the platform ${platform} has no Kubernetes API to hand the secret ${secret} over (spec.kubernetes)`);
        await params.secrets.put(project, secret, data);
      }
      // The commit holds the change already: ask Argo CD to compare now (it answers once it has).
      let app: ArgoCdApplication | undefined;
      let helmApp: ArgoCdApplication | undefined;
      if (isHelmUnit(unit)) {
        helmApp = await getIfPresent(helmInstances, OPERATOR_APP_PROJECT, true, options.signal);
        app = await getIfPresent(name, appProjectName(project), false, options.signal);
      } else {
        app = await getIfPresent(name, appProjectName(project), true, options.signal);
      }
      if (!app) return waitingFor(unit, `waiting for Argo CD to create the Application ${name}`, undefined);
      const observed = await toUnit(app, project, instance, helmApp);
      if (observed.hash === unit.hash) {
        waiting.delete(unitKey(project, instance));
        // Failing makes the reconciler back off: Argo CD retries by itself meanwhile.
        if (observed.phase === "failed") throw new Error(observed.reason);
        return observed;
      }
      // Argo CD cannot read git or refuses the Application: it will take no revision in hand.
      if (argoCdBlockingCondition(app.status)) throw new Error(observeArgoCdStatus(app.status).reason);
      return waitingFor(unit, `waiting for Argo CD to sync revision ${shortRevision(unit.hash)}`, app);
    },

    // Argo CD deploys what git says (this engine is declarative): the reconciler applies a
    // stopped rendering instead of calling stop.
    async stop(): Promise<void> {},

    /**
     * The directory's removal from git is the removal: the ApplicationSet deletes the
     * Application, whose finalizer deletes what it deployed. What Plateau put there beside
     * git, the generated Secret, goes with it.
     */
    async remove(project: string, instance: string): Promise<void> {
      waiting.delete(unitKey(project, instance));
      await params.secrets?.remove(project, generatedSecretName(instance));
    },

    async *logs(project: string, instance: string, options: LogOptions): AsyncIterable<string> {
      const lines = client.streamLogs(instanceApplicationName(project, instance), {
        appNamespace,
        project: appProjectName(project),
        namespace: project,
        follow: options.follow,
        tailLines: options.tail,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      for await (const line of lines) yield `${line}\n`;
    },
  };
}
