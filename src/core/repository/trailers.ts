import { createHash } from "node:crypto";

/** Git trailers Plateau writes in each commit message: machine-readable facts of the change. */
export const TRAILERS = {
  action: "Plateau-Action",
  instance: "Plateau-Instance",
  project: "Plateau-Project",
  /** The request's id: a digest of who asked what with which idempotency key, never the key itself. */
  requestId: "Plateau-Request-Id",
  platform: "Plateau-Platform",
  /** A bucket (ADR 0030): `<project>/<bucket>`. */
  bucket: "Plateau-Bucket",
  /** Why Plateau took a step by itself (idle reclaim: `idle 73 h`). */
  reason: "Plateau-Reason",
} as const;

/**
 * What an idempotency key is scoped to: the same key sent by another person, for another
 * operation or about another target is another request.
 */
export interface RequestScope {
  /** The login of who asks. */
  readonly person: string;
  /** The operation, one per route of the API (`launch`, `stop`, `set-members`…). */
  readonly operation: string;
  /** What the route names: the project of a launch, `<project>/<instance>` of a stop… */
  readonly target: string;
}

/**
 * The id under which a request is published in the public repository (the
 * `Plateau-Request-Id` trailer) and looked up again by a retry: SHA-256 of the scope and the
 * client's key. Deterministic, so that a retry after a crash between the commit and the
 * answer finds the commit from git alone; the key itself is never published, and the id is
 * useless to anyone else (their own retry hashes their own login). ADR 14.
 */
export function requestIdOf(key: string | undefined, scope: RequestScope): string | undefined {
  if (key === undefined || key === "") return undefined;
  return createHash("sha256")
    .update(JSON.stringify(["plateau-request/1", scope.person, scope.operation, scope.target, key]))
    .digest("hex");
}
