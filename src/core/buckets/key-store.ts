// Where a project's S3 keys are kept (ADR 0030): in the SecretStore, like other generated
// secrets, never in git. The owner `_s3-<platform>` cannot be an instance (names start with a
// letter); start-up's collection of orphan secrets leaves `_` owners to the buckets' reconciler.
import type { ObjectStorage, S3Key } from "../ports/object-storage.js";
import type { SecretStore } from "../ports/secret-store.js";

/** The SecretStore owner of a project's key pair on one platform. */
export const projectKeyOwner = (platform: string): string => `_s3-${platform}`;
export const ACCESS_KEY_ID = "access-key-id";
export const SECRET_ACCESS_KEY = "secret-access-key";

/** The keys of `<instance>-generated` an instance attached to a bucket reads its key pair from. */
export const INSTANCE_S3_ACCESS_KEY_ID = "s3-access-key-id";
export const INSTANCE_S3_SECRET_ACCESS_KEY = "s3-secret-access-key";

/** The project's key pair on the platform as Plateau keeps it; undefined when none was made yet. */
export async function readProjectKey(secrets: SecretStore, platform: string, project: string): Promise<S3Key | undefined> {
  const kept = await secrets.read(project, projectKeyOwner(platform));
  const accessKeyId = kept[ACCESS_KEY_ID];
  const secretAccessKey = kept[SECRET_ACCESS_KEY];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** Keeps this key pair as the project's on the platform (replacing the one kept before). */
export async function writeProjectKey(secrets: SecretStore, platform: string, project: string, key: S3Key): Promise<void> {
  await secrets.put(project, projectKeyOwner(platform), { [ACCESS_KEY_ID]: key.accessKeyId, [SECRET_ACCESS_KEY]: key.secretAccessKey });
}

/**
 * The project's key pair on the platform, made on the provider and kept first if there is none,
 * or if the one kept is no longer the provider's (revoked by hand, a provider rebuilt). Callers
 * that race may each make one: the last kept wins, and the buckets' reconciler revokes the other.
 */
export async function ensureProjectKey(storage: ObjectStorage, secrets: SecretStore, platform: string, project: string): Promise<S3Key> {
  const kept = await readProjectKey(secrets, platform, project);
  if (kept && (await storage.keys(project)).includes(kept.accessKeyId)) return kept;
  const made = await storage.createKey(project);
  await writeProjectKey(secrets, platform, project, made);
  return made;
}
