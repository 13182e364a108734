// The object storages of the platforms the desired-state repository declares (ADR 0030), built
// from each platform's `spec.s3` and the admin keys the environment holds under the variables it
// names; the local platform's is the RGW `plateau up` runs (ADR 0032). Read at the repository's
// head: a platform added or changed by an operator's merge is followed at the next call; a
// storage is built again only when its settings or keys change. `noobaa` is rendered, not driven:
// no storage here.
import { createRgwAdminStorage } from "../adapters/s3/rgw-admin.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import type { ObjectStorage, ObjectStorages, S3Endpoint } from "../core/ports/object-storage.js";
import { platformsAt } from "../core/projects/bundle.js";

/** The local S3 server: where it answers and its admin user's keys. */
export interface LocalObjectStorage {
  readonly endpoint: S3Endpoint;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const DEFAULT_USER_PREFIX = "plateau-";
const DEFAULT_REGION = "us-east-1";
type PlatformS3 = NonNullable<PlatformDocument["spec"]["s3"]>;

export function createObjectStorages(deps: {
  readonly env: NodeJS.ProcessEnv;
  /** Where the platforms are declared; without it, only the local platform (`local`) has storage. */
  readonly repo?: DesiredStateRepository;
  readonly logger: Logger;
  /** The local S3 server (or the promise of it, while it starts): the storage of a podman platform whose `spec.s3` names no endpoint. */
  readonly local?: LocalObjectStorage | PromiseLike<LocalObjectStorage | undefined>;
}): ObjectStorages {
  const built = new Map<string, { key: string; storage: ObjectStorage }>();
  const said = new Set<string>();
  let read: { head: string; platforms: readonly PlatformDocument[] } | undefined;

  /** Said once per platform and reason: the log is not flooded at every reconciliation. */
  const sayOnce = (platform: string, reason: string, fields: object, message: string) => {
    const key = `${platform}\0${reason}`;
    if (said.has(key)) return;
    said.add(key);
    deps.logger.warn({ platform, ...fields }, message);
  };

  async function platformNamed(name: string): Promise<PlatformDocument | undefined> {
    if (!deps.repo) return undefined;
    const head = await deps.repo.head();
    if (!head) return undefined;
    if (read?.head !== head) read = { head, platforms: await platformsAt(deps.repo, head) };
    return read.platforms.find((platform) => platform.metadata.name === name);
  }

  function cached(name: string, settings: unknown, keys: readonly string[], make: () => ObjectStorage): ObjectStorage {
    // The keys are part of the cache's key (in memory only): a rotated admin key builds a new storage.
    const key = JSON.stringify([settings, keys]);
    const found = built.get(name);
    if (found?.key === key) return found.storage;
    const storage = make();
    built.set(name, { key, storage });
    return storage;
  }

  return {
    async storageFor(name) {
      const platform = await platformNamed(name);
      const s3: PlatformS3 | undefined = platform ? platform.spec.s3 : name === "local" && !deps.repo ? { provider: "rgw-admin" } : undefined;
      if (!s3 || s3.provider !== "rgw-admin") return undefined;
      const userPrefix = s3.userPrefix ?? DEFAULT_USER_PREFIX;
      const isLocal = !s3.endpoint && (platform === undefined || platform.spec.engine === "podman");
      if (isLocal) {
        const local = await deps.local;
        if (!local) {
          sayOnce(name, "no-local", {}, "the local S3 server does not run (Ceph missing, turned off or failed): the local platform has no object storage");
          return undefined;
        }
        return cached(name, [s3, local.endpoint], [local.accessKeyId, local.secretAccessKey], () =>
          createRgwAdminStorage({
            endpoint: s3.region ? { ...local.endpoint, region: s3.region } : local.endpoint,
            accessKeyId: local.accessKeyId,
            secretAccessKey: local.secretAccessKey,
            userPrefix,
          }),
        );
      }
      if (!s3.endpoint) {
        sayOnce(name, "no-endpoint", {}, "spec.s3 names no endpoint (only the local platform may omit it): the platform has no object storage");
        return undefined;
      }
      if (!s3.credentialsEnv) {
        sayOnce(name, "no-credentials-env", {}, "spec.s3.credentialsEnv names no variables for the RGW admin keys: the platform has no object storage");
        return undefined;
      }
      const { accessKeyId: idVariable, secretAccessKey: secretVariable } = s3.credentialsEnv;
      const accessKeyId = deps.env[idVariable] ?? "";
      const secretAccessKey = deps.env[secretVariable] ?? "";
      const missing = [...(accessKeyId ? [] : [idVariable]), ...(secretAccessKey ? [] : [secretVariable])];
      if (missing.length > 0) {
        sayOnce(
          name,
          `missing ${missing.join(" ")}`,
          { variables: missing },
          `the RGW admin keys are not in the environment (${missing.join(", ")}): the platform has no object storage`,
        );
        return undefined;
      }
      const endpoint: S3Endpoint = { url: s3.endpoint.replace(/\/+$/, ""), region: s3.region ?? DEFAULT_REGION, pathStyle: true };
      return cached(name, s3, [accessKeyId, secretAccessKey], () =>
        createRgwAdminStorage({ endpoint, ...(s3.adminURL ? { adminURL: s3.adminURL } : {}), accessKeyId, secretAccessKey, userPrefix }),
      );
    },
  };
}
