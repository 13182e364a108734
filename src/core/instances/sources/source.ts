// What an instance is made from — a built-in template, a chart of a Helm catalog, and later a
// bucket or a backup — behind one interface: the instance service asks its source for values,
// rendered files, what it asks of quotas and placement, how it stops and starts, and its
// address, and never asks which kind it is (ADR 17). Sources are registered in ./index.ts.
import type { Requester } from "../../identity.js";
import type { InstanceBucket, InstanceDocument, InstanceState, PlatformDocument, RenderedInstance } from "../../model.js";
import type { PlacementRequest, PodAsk } from "../../placement/place.js";
import type { Random } from "../../ports/clock.js";
import type { FileChange } from "../../ports/desired-state-repository.js";
import type { TemplateCatalog } from "../../ports/template-catalog.js";
import type { CrdValidator } from "../../render/crd-validate.js";
import type { HelmCatalogService } from "../../helm/service.js";
import type { Resources } from "../../tenancy/quota.js";
import type { PlacedInstance } from "../../tenancy/service.js";
import type { ExpiryAction } from "../expiry.js";
import type { InstanceAddress, LaunchRequest } from "../types.js";

export type Values = Record<string, unknown>;
/** What an instance's expiry does to it (see `InstanceSource.onExpiry`); decided by `expiryOf` for charts. */
export type { ExpiryAction };
export type InstanceSpec = InstanceDocument["spec"];

/** What sources may use of the service's dependencies. */
export interface SourceDeps {
  readonly catalog: TemplateCatalog;
  readonly random: Random;
  /** The public URL of an instance on a platform (depends on how the platform is reached). */
  readonly urlOf: (address: InstanceAddress) => string;
  readonly crds?: CrdValidator;
  /** The Helm catalogs; without `stopOf`, charts stop as before ADR 24 (by `global.suspend`, or not at all). */
  readonly helm?: Pick<HelmCatalogService, "repositoryOf" | "defaults" | "prepare" | "ownValues"> & Partial<Pick<HelmCatalogService, "stopOf" | "check">>;
  /** The registries images named by values may come from (default: the catalog's, and localhost). */
  readonly imageRegistries?: readonly string[];
}

/** A launch as a source sees it: what the person asked, and who they are. */
export interface SourceLaunch {
  readonly request: Omit<LaunchRequest, "requestId">;
  readonly requester: Requester;
  /** The bucket of its project it is attached to, as the launch resolved it (ADR 0031). */
  readonly bucket?: InstanceBucket;
}

/** An instance being moved: the platform it leaves (absent when its file is gone), and the launch that places it again. */
export interface SourceMove {
  readonly from?: PlatformDocument;
  /** In its project, under its name, for its owner (whose login charts read); its catalog checked for who moves it. */
  readonly launch: SourceLaunch;
}

/** What an instance asks while it runs: all together (quotas), and its largest pod (it must fit on one node). */
export interface SourceAsks {
  readonly total: Resources;
  readonly largestPod: PodAsk;
}

/** One source, opened for one id (`spec.template` of its intents). */
export interface InstanceSource {
  /** The kind of source that opened it (its factory's `kind`). */
  readonly kind: string;
  /** The id intents name it by. */
  readonly id: string;
  /** A launch's values before placement: resolved and checked, or a refusal. */
  launchValues(launch: SourceLaunch): Promise<Values>;
  /**
   * The new intent's spec once its platform (and its name, `launch.request.name`) is known: what
   * it is made from, its version, its values checked there, and the secrets the person gave
   * (kept by Plateau, never committed: the values refer to them).
   */
  placed(
    launch: SourceLaunch,
    values: Values,
    platform: PlatformDocument,
  ): Promise<
    Pick<InstanceSpec, "template" | "templateVersion" | "values"> &
      Partial<Pick<InstanceSpec, "rendered" | "stop">> & { readonly secrets?: Readonly<Record<string, string>> }
  >;
  /**
   * What a running instance with these values asks, on any platform; `recorded` is what its
   * rendering recorded in its intent (`spec.rendered`), when it has been placed already.
   */
  asks(values: Values, at: { readonly project: string; readonly name: string }, recorded?: RenderedInstance): SourceAsks;
  /**
   * How it can use an attached bucket (ADR 0031): `env`, a built-in template declaring `s3` (its
   * variables); `chart`, a chart (its `{{s3.*}}`); absent, it cannot.
   */
  readonly bucketUse?: "env" | "chart";
  /** What placement must know besides resources (a chart needs a platform whose Argo CD renders charts). */
  readonly placement: Pick<PlacementRequest, "helm">;
  /** Its rendered files on a platform (replacing what was there, every object validated), and what they ask. */
  render(intent: InstanceDocument, platform: PlatformDocument): { readonly changes: FileChange[]; readonly asks: Resources };
  /**
   * What its expiry does to an instance with this spec: `stop` it; `remove` it, when it cannot
   * be stopped (a chart whose workloads nothing scales to zero, ADR 24); or `never`: it does
   * not expire (a chart launched before ADR 24 that cannot be stopped).
   */
  onExpiry(spec: InstanceSpec): ExpiryAction;
  /** The spec's fields for another state (a refusal when it cannot be stopped); `ref` names the instance in errors. */
  withState(spec: InstanceSpec, state: InstanceState, ref: string, at?: StatePlace): Promise<Partial<InstanceSpec>>;
  /**
   * The spec's fields when the instance is re-placed elsewhere: the values a launch there
   * starts from (re-resolved against the source as it is now; for a chart, the person's own,
   * without what the old platform's region resolved). The move then places them as a launch
   * does (`launchValues`, `placed` on the new platform), which records its rendering anew.
   */
  moved(spec: InstanceSpec, move?: SourceMove): Promise<Pick<InstanceSpec, "values"> & Partial<Pick<InstanceSpec, "templateVersion" | "rendered">>>;
  /** Where people reach it; null when it is reached nowhere (a chart rendering no Route nor Ingress, as its `spec.rendered` says). */
  address(at: InstanceAddress, spec?: Pick<InstanceSpec, "rendered">): string | null;
}

/** Where an instance changes state: a start is checked there (a chart's preflight on its platform). */
export interface StatePlace {
  readonly platform: PlatformDocument;
  readonly project: string;
  readonly name: string;
}

/** A kind of source, bound to the service's dependencies: it claims ids, opens them, and says where it renders. */
export interface InstanceSourceKind {
  readonly kind: string;
  /** Whether ids like this one are this kind's (kinds are asked in the registry's order). */
  claims(id: string): boolean;
  /** The source of an id this kind claims; a NotFoundError when it does not exist. */
  open(id: string): Promise<InstanceSource>;
  /** The directory its instances' rendered files live in on a platform (`*` for any platform). */
  renderedDir(platform: string, project: string, instance: string): string;
  /**
   * What an instance of this kind already placed counts against quotas in its state (tenancy),
   * also when its source is gone or refuses its values now (then at least its place).
   */
  placedAsks(instance: PlacedInstance): Promise<Resources>;
}

/** How a kind of source is registered: a factory of the kind from the service's dependencies. */
export type InstanceSourceFactory = (deps: SourceDeps) => InstanceSourceKind;
