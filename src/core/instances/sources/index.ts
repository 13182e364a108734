// The one place where kinds of instance sources are registered, as Argo CD's ApplicationSet
// registers its generators: each in its own file, each checked against InstanceSourceFactory
// at compile time. A new source (a bucket, a backup) is a file and a line here; the instance
// service asks the registry and never which kind an instance is (ADR 17).
import { renderedRecoveryDir } from "../../repository/layout.js";
import { NotFoundError } from "../../errors.js";
import { ZERO } from "../../tenancy/quota.js";
import type { AsksOf } from "../../tenancy/service.js";
import { helmChartSource } from "./helm-chart.js";
import type { InstanceSource, InstanceSourceFactory, InstanceSourceKind, SourceDeps } from "./source.js";
import { templateSource } from "./template.js";

/** Asked in this order: the first kind that claims an id makes it. Built-in templates claim what is left: last. */
export const INSTANCE_SOURCES = [helmChartSource, templateSource] as const satisfies readonly InstanceSourceFactory[];

export interface SourceRegistry {
  /** The kinds, in the order they are asked. */
  readonly kinds: readonly InstanceSourceKind[];
  /** The source of an intent's or a launch's `template`: a NotFoundError when none has it. */
  sourceFor(id: string): Promise<InstanceSource>;
  /** Every directory an instance may have rendered on a platform (`*`: any), whatever it is made from. */
  renderedDirs(platform: string, project: string, instance: string): string[];
  /** What an instance already placed counts against quotas, as the kind that claims it says (tenancy's `asksOf`). */
  readonly asksOf: AsksOf;
}

export function createSourceRegistry(deps: SourceDeps, factories: readonly InstanceSourceFactory[] = INSTANCE_SOURCES): SourceRegistry {
  const kinds = factories.map((factory) => factory(deps));
  return {
    kinds,
    async sourceFor(id) {
      const kind = kinds.find((candidate) => candidate.claims(id));
      if (!kind) throw new NotFoundError("template", id);
      return kind.open(id);
    },
    // Its Restore on a cluster lives beside its project's bundle (ADR 0034), and goes with it.
    renderedDirs: (platform, project, instance) => [
      ...kinds.map((kind) => kind.renderedDir(platform, project, instance)),
      renderedRecoveryDir(platform, project, instance),
    ],
    async asksOf(instance) {
      const kind = kinds.find((candidate) => candidate.claims(instance.template));
      // No kind of this registry makes it any more: it still holds its place.
      return kind ? kind.placedAsks(instance) : { ...ZERO, instances: 1 };
    },
  };
}

export type { InstanceSource, InstanceSourceFactory, InstanceSourceKind, SourceDeps } from "./source.js";
