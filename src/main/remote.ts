// The desired-state repository's remote, as the configuration describes it: the git remote,
// the loop that pushes Plateau's commits and pulls people's, the forge's webhook, and the
// nudge to each cluster's Argo CD after a push. Without `remote:` the repository stays here.
import type { IncomingMessage } from "node:http";
import { createGitRemote, type GitRemote, type RemoteAuth } from "../adapters/git/git-remote.js";
import type { CommitId } from "../core/ports/desired-state-repository.js";
import { InputError } from "../core/errors.js";
import type { Clock } from "../core/ports/clock.js";
import type { Scheduler } from "../core/ports/scheduler.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import { createRemoteSync, DISABLED_REMOTE_STATUS, type RemoteStatus, type RemoteSync } from "../core/sync/remote-sync.js";
import { verifyWebhook } from "../core/sync/webhook.js";
import type { GitHooks } from "../server/app.js";
import type { ClusterEngines } from "./cluster-engines.js";
import type { Config } from "./config.js";

export interface RemoteSetUp {
  /** The loop, when a remote is configured (and Plateau is one replica: ADR 0040). */
  readonly sync: RemoteSync | undefined;
  /** The remote itself, when configured. */
  readonly git: GitRemote | undefined;
  /** Argo CD's git webhook after a push, so that syncing starts at once. */
  readonly onPushed: (before: CommitId | null, after: CommitId) => Promise<void>;
  readonly status: () => RemoteStatus;
  readonly hooks: GitHooks | undefined;
}

function authOf(remote: NonNullable<Config["remote"]>, env: NodeJS.ProcessEnv): RemoteAuth {
  if (remote.sshKeyFile || remote.knownHostsFile) {
    if (!remote.sshKeyFile || !remote.knownHostsFile) {
      throw InputError.field(
        remote.sshKeyFile ? "/remote/knownHostsFile" : "/remote/sshKeyFile",
        "required",
        "ssh needs both a key file and a known hosts file",
      );
    }
    return { kind: "ssh", keyFile: remote.sshKeyFile, knownHostsFile: remote.knownHostsFile };
  }
  if (remote.tokenEnv) {
    const token = env[remote.tokenEnv];
    if (!token) throw InputError.field("/remote/tokenEnv", "set", `the variable ${remote.tokenEnv} holds no token`);
    return { kind: "token", token, username: remote.username };
  }
  return { kind: "none" };
}

export function setUpRemote(deps: {
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly repo: DesiredStateRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs the synchronisation's attempts. */
  readonly scheduler: Scheduler;
  readonly clusters: ClusterEngines;
  /** Re-index and reconcile after taking people's commits. */
  readonly onPulled: () => Promise<void>;
  /**
   * Several replicas (ADR 0040): no loop here (each write pushes, the leader follows the
   * forge); the forge's webhook calls this instead.
   */
  readonly replicated?: { readonly onWebhook: () => Promise<void> };
}): RemoteSetUp {
  const remote = deps.config.remote;
  if (!remote) return { sync: undefined, git: undefined, onPushed: async () => undefined, status: () => DISABLED_REMOTE_STATUS, hooks: undefined };
  const branch = "main";
  const git = createGitRemote({ dir: deps.dir, branch, url: remote.url, auth: authOf(remote, deps.env) });
  // Argo CD polls every 3 minutes; its webhook makes it look now, at the paths that changed.
  const onPushed = async (before: CommitId | null, after: CommitId): Promise<void> => {
    const clients = deps.clusters.clients();
    if (clients.length === 0) return;
    const changes = await deps.repo.changedPaths(before, after, "");
    const path = (change: { path: string }) => change.path.replace(/^\//, "");
    const changed = {
      added: changes.filter((change) => change.change === "added").map(path),
      modified: changes.filter((change) => change.change === "modified").map(path),
      removed: changes.filter((change) => change.change === "removed").map(path),
    };
    const results = await Promise.allSettled(clients.map(({ client, repoURL }) => client.notifyGitPush({ repoURL, branch, before, after, changed })));
    results.forEach((result, i) => {
      if (result.status === "rejected") {
        deps.logger.warn(
          { platform: clients[i]?.platform, error: (result.reason as Error).message },
          "Argo CD's git webhook failed; it will see the push at its next poll",
        );
      }
    });
  };
  const secret = remote.webhookSecretEnv ? deps.env[remote.webhookSecretEnv] : undefined;
  if (deps.replicated) {
    const onWebhook = deps.replicated.onWebhook;
    const hooks: GitHooks | undefined = secret
      ? {
          verify: (headers: IncomingMessage["headers"], body: Buffer) => verifyWebhook({ headers, body, secret }),
          sync: () => {
            onWebhook().catch((error: unknown) => deps.logger.warn({ error: (error as Error).message }, "taking the forge's commits failed"));
          },
        }
      : undefined;
    return { sync: undefined, git, onPushed, status: () => DISABLED_REMOTE_STATUS, hooks };
  }
  const sync = createRemoteSync({
    remote: git,
    clock: deps.clock,
    logger: deps.logger,
    scheduler: deps.scheduler,
    pollIntervalMs: remote.pollSeconds * 1000,
    onPulled: deps.onPulled,
    onPushed,
  });
  const hooks: GitHooks | undefined = secret
    ? {
        verify: (headers: IncomingMessage["headers"], body: Buffer) => verifyWebhook({ headers, body, secret }),
        sync: () => {
          sync.syncNow().catch(() => undefined); // failures are in the status and the log
        },
      }
    : undefined;
  return { sync, git, onPushed, status: () => sync.status(), hooks };
}

/** What /readyz says of the remote: nothing when commits reach it. */
export function remoteWarning(status: RemoteStatus): string | undefined {
  if (status.state === "failing") return `pushing to the desired-state remote fails (${status.attempts} attempts): ${status.lastError?.message ?? "unknown"}`;
  if (status.state === "diverged") return `the desired-state repository diverged from its remote: ${status.lastError?.message ?? "a person must merge"}`;
  return undefined;
}
