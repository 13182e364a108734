import { describe, expect, it } from "vitest";
import type { Logger } from "../core/ports/logger.js";
import { loadConfig } from "./config.js";
import { describeLocalS3, setUpLocalS3 } from "./local-s3.js";

const recording = () => {
  const lines: string[] = [];
  const logger: Logger = {
    info: (_fields, message) => lines.push(message),
    warn: (_fields, message) => lines.push(message),
    error: (_fields, message) => lines.push(message),
    debug: () => undefined,
  };
  return { lines, logger };
};
const configWith = (localS3: Record<string, unknown>) => loadConfig({ env: {}, cwd: "/nonexistent", overrides: { localS3 } });

describe("setUpLocalS3", () => {
  it("without Ceph: says once how to install it, and the local platform has no object storage", async () => {
    const { lines, logger } = recording();
    const localS3 = setUpLocalS3({ config: configWith({}), logger, path: "/nonexistent/bin" });
    expect(localS3.enabled).toBe(false);
    expect(localS3.process).toBeUndefined();
    expect(await localS3.ready).toBeUndefined();
    expect(lines).toEqual([
      "Ceph is not installed: the local platform has no object storage (buckets); apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common",
    ]);
    expect(await describeLocalS3(localS3)).toBe(
      "  S3         off: Ceph is not installed; apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common",
    );
    await localS3.stop();
  });

  it("turned off (or no local platform): nothing started, nothing said", async () => {
    for (const config of [
      configWith({ enabled: false }),
      loadConfig({ env: {}, cwd: "/nonexistent", overrides: { platforms: { local: { enabled: false } } } }),
    ]) {
      const { lines, logger } = recording();
      const localS3 = setUpLocalS3({ config, logger, path: "/nonexistent/bin" });
      expect(localS3.enabled).toBe(false);
      expect(lines).toEqual([]);
      expect(await describeLocalS3(localS3)).toBe("  S3         off (localS3.enabled: false)");
    }
  });

  it("has its defaults in the configuration's schema", () => {
    expect(configWith({}).localS3).toEqual({ port: 0, sizeGiB: 100 });
  });
});
