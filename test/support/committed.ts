// Everything ever committed to a desired-state repository (every file of every commit), as
// one text: what a test searches for a password that must never have been published.
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";

export async function everythingCommitted(repo: DesiredStateRepository): Promise<string> {
  const texts: string[] = [];
  const seen = new Set<string>();
  const walk = async (commit: string, dir: string): Promise<void> => {
    for (const entry of await repo.listDirectory(commit, dir)) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.type === "tree") await walk(commit, path);
      else {
        const text = (await repo.readFile(commit, path)) ?? "";
        const key = `${path}\u0000${text}`;
        if (!seen.has(key)) texts.push(path, text);
        seen.add(key);
      }
    }
  };
  for (const entry of await repo.log({ limit: 10_000 })) await walk(entry.id, "");
  return texts.join("\n");
}
