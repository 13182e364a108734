import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { installationFile, installationId } from "./installation.js";

describe("installationId", () => {
  const dirs: string[] = [];
  const dir = async () => {
    const made = await mkdtemp(join(tmpdir(), "plateau-installation-"));
    dirs.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of dirs.splice(0)) await rm(made, { recursive: true, force: true });
  });

  it("is generated once, kept in the data directory, and the same at every start", async () => {
    const data = await dir();
    const id = await installationId(data);
    expect(id).toMatch(/^[a-z0-9]{10}$/);
    expect((await readFile(installationFile(data), "utf8")).trim()).toBe(id);
    expect(await installationId(data)).toBe(id);
  });

  it("differs between two data directories, even started at once", async () => {
    const [a, b] = [await dir(), await dir()];
    const ids = await Promise.all([installationId(a), installationId(b), installationId(a)]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe(ids[0]);
  });

  it("refuses a file that does not hold an id, rather than making objects under a new name", async () => {
    const data = await dir();
    await writeFile(installationFile(data), "../../etc\n");
    await expect(installationId(data)).rejects.toThrow(/not an installation id/);
  });
});
