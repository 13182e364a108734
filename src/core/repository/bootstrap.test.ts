import { describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- a real in-memory repository, for the bootstrap's commits
import { createMemoryRepository } from "../../adapters/memory/memory-repository.js";
import { parsePlatform } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { bootstrapRepository } from "./bootstrap.js";

const system = { login: "plateau", name: "Plateau", email: "plateau@localhost" };

describe("bootstrapRepository and the local S3 server", () => {
  it("declares the local platform with spec.s3 when the local S3 server runs; an earlier declaration gains it once, the rest kept", async () => {
    const repo = createMemoryRepository({ clock: createFakeClock() });
    const first = await bootstrapRepository(repo, [localPlatformDocument("localhost")], system);
    expect(first).not.toBeNull();
    // An operator's own title, kept.
    const head = first ?? "";
    const written = parsePlatform((await repo.readFile(head, "platforms/local.yaml")) ?? "", "local.yaml");
    expect(written.spec.s3).toBeUndefined();
    expect(written.spec.backups).toBeUndefined();
    const edited = await repo.commit({
      parent: head,
      author: system,
      message: "retitle",
      trailers: {},
      changes: [{ path: "platforms/local.yaml", content: JSON.stringify({ ...written, spec: { ...written.spec, title: "Ma machine" } }) }],
    });

    // Ceph installed since: the next start gives the platform its storage, in one commit.
    const given = await bootstrapRepository(repo, [localPlatformDocument("localhost", { s3: true })], system);
    expect(given).not.toBe(edited);
    const now = parsePlatform((await repo.readFile(given ?? "", "platforms/local.yaml")) ?? "", "local.yaml");
    expect(now.spec).toMatchObject({ title: "Ma machine", s3: { provider: "rgw-admin" }, backups: { bucket: "plateau-backups" } });
    expect((await repo.log({ limit: 1 }))[0]?.subject).toBe("give platform local object storage");
    // Nothing more at the next start; and a platform without spec.s3 in the settings changes nothing.
    expect(await bootstrapRepository(repo, [localPlatformDocument("localhost", { s3: true })], system)).toBe(given);
    expect(await bootstrapRepository(repo, [localPlatformDocument("localhost")], system)).toBe(given);
  });
});
