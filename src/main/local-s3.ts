// The local platform's S3 server, wired: on when Ceph is installed (or as `localS3.enabled` says),
// started in the background by `plateau up` under the data directory; when Ceph is missing, one
// line says how to install it and the local platform has no object storage
// (docs/adr/0032-the-local-s3-server.md).
import { resolve } from "node:path";
import { CEPH_INSTALL_HINT, cephInstalled, startCephRgwProcess, type CephRgwProcess } from "../adapters/s3/ceph-rgw-process.js";
import type { Logger } from "../core/ports/logger.js";
import type { Config } from "./config.js";
import type { LocalObjectStorage } from "./object-storages.js";

export interface LocalS3 {
  /** Whether the local platform offers buckets (its document's `spec.s3`): the server is started. */
  readonly enabled: boolean;
  /** Why it is off: turned off (or no local platform), or Ceph is missing. */
  readonly off?: "turned-off" | "not-installed";
  /** The running server's endpoint and admin keys, once it answers; undefined when off or it could not start. */
  readonly ready: Promise<LocalObjectStorage | undefined>;
  /** The Ceph daemons (none when off). */
  readonly process: CephRgwProcess | undefined;
  stop(): Promise<void>;
}

export function setUpLocalS3(params: { readonly config: Config; readonly logger: Logger; readonly path?: string }): LocalS3 {
  const { config, logger } = params;
  const settings = config.localS3;
  const off = (why: "turned-off" | "not-installed"): LocalS3 => ({
    enabled: false,
    off: why,
    ready: Promise.resolve(undefined),
    process: undefined,
    stop: async () => undefined,
  });
  if (!config.platforms.local.enabled || settings.enabled === false) return off("turned-off");
  if (!cephInstalled(params.path ?? process.env.PATH)) {
    logger.warn(
      { install: CEPH_INSTALL_HINT },
      `Ceph is not installed: the local platform has no object storage (buckets); ${CEPH_INSTALL_HINT}${settings.enabled ? " (localS3.enabled is true)" : ""}`,
    );
    return off("not-installed");
  }
  const started = startCephRgwProcess({
    dir: resolve(config.dataDir, settings.dataDir ?? "s3"),
    port: settings.port,
    sizeBytes: settings.sizeGiB * 2 ** 30,
    logger,
  });
  return {
    enabled: true,
    ready: started.started.then((server) => (server ? { endpoint: server.endpoint, ...server.admin } : undefined)),
    process: started,
    stop: () => started.stop(),
  };
}

/** The banner's line of `plateau up` about the local S3 server (waits a second at most for it: the log says the rest). */
export async function describeLocalS3(localS3: LocalS3): Promise<string> {
  if (localS3.off === "turned-off") return "  S3         off (localS3.enabled: false)";
  if (localS3.off === "not-installed") return `  S3         off: Ceph is not installed; ${CEPH_INSTALL_HINT}`;
  let waited: ReturnType<typeof setTimeout> | undefined;
  const pending = Symbol("pending");
  const ready = await Promise.race([localS3.ready, new Promise<typeof pending>((resolve) => (waited = setTimeout(() => resolve(pending), 1000)))]);
  clearTimeout(waited);
  if (ready === pending) return `  S3         the local S3 server (Ceph RGW) is starting (the log will say)`;
  return ready
    ? `  S3         ${ready.endpoint.url} (Ceph RGW, path-style), buckets of the local platform`
    : "  S3         off: the local S3 server did not start (see the log)";
}
