// Scratch directories for tests: each is removed by the clean-up steps the test file runs in
// its afterAll.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new directory under the system's temporary one; a step that removes it goes into `cleanup`. */
export async function scratchDir(prefix: string, cleanup: (() => Promise<unknown> | void)[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
