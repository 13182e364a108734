// The engines of cluster platforms, built from each platform's own settings (its Argo CD, its
// Kubernetes API) and the tokens the environment holds under the names the platform gives.
// One engine per platform and settings: rebuilt only when an operator changes them.
import { createArgoCdClient, type ArgoCdClient } from "../adapters/argocd/argocd-client.js";
import { createArgoCdEngine } from "../adapters/argocd/argocd-engine.js";
import { createSecretHandOver } from "../adapters/kubernetes/secret-hand-over.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Engine } from "../core/ports/engine.js";
import type { Logger } from "../core/ports/logger.js";

export interface ClusterEngines {
  /** The platform's engine, or undefined for a platform that is not a cluster with Argo CD settings. */
  engineFor(platform: PlatformDocument): Engine | undefined;
  /** The Argo CD clients of the platforms seen so far (whose git webhook is called after each push), with the repository URL they clone. */
  clients(): { platform: string; client: ArgoCdClient; repoURL: string }[];
}

export function createClusterEngines(deps: { env: NodeJS.ProcessEnv; repo: DesiredStateRepository; logger: Logger }): ClusterEngines {
  const built = new Map<string, { key: string; engine: Engine; client: ArgoCdClient; repoURL: string }>();
  return {
    engineFor(platform) {
      const argocd = platform.spec.argocd;
      if (platform.spec.engine !== "argocd" || !argocd) return undefined;
      const name = platform.metadata.name;
      // A missing token is not a missing engine: the platform shows as unavailable and says which variable to set.
      const token = argocd.tokenEnv ? (deps.env[argocd.tokenEnv] ?? "") : "";
      const kubernetes = platform.spec.kubernetes;
      const kubernetesToken = kubernetes ? (deps.env[kubernetes.tokenEnv] ?? "") : "";
      const key = JSON.stringify([argocd, kubernetes ?? null, token, kubernetesToken]);
      const found = built.get(name);
      if (found?.key === key) return found.engine;
      const client = createArgoCdClient({ url: argocd.url, token });
      const engine = createArgoCdEngine({
        platform: name,
        client,
        appNamespace: argocd.namespace,
        hashOf: (commit, path) => deps.repo.hashOf(commit, path),
        ...(argocd.tokenEnv ? { tokenSource: argocd.tokenEnv } : {}),
        ...(kubernetes && kubernetesToken ? { secrets: createSecretHandOver({ apiURL: kubernetes.apiURL, token: kubernetesToken }) } : {}),
      });
      if (!token) deps.logger.warn({ platform: name, variable: argocd.tokenEnv ?? null }, "no Argo CD token: the platform's status cannot be read");
      built.set(name, { key, engine, client, repoURL: argocd.repoURL });
      return engine;
    },
    clients: () => [...built.entries()].map(([platform, { client, repoURL }]) => ({ platform, client, repoURL })),
  };
}
