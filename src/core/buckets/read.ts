// Reading buckets from the desired-state repository. Buckets are few (a project has a handful)
// and not indexed: they are read from the tree at a head, all of them in one diff of `projects/`.
import { parseBucket, type BucketDocument } from "../model.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import { bucketOfPath, bucketPath, bucketsDir } from "../repository/layout.js";

/** Every bucket at this head, by project then name. */
export async function bucketsAt(repo: DesiredStateRepository, head: CommitId): Promise<BucketDocument[]> {
  const paths = (await repo.changedPaths(null, head, "projects")).map((change) => change.path).filter((path) => bucketOfPath(path) !== undefined);
  const documents = await Promise.all(
    paths.sort().map(async (path) => {
      const text = await repo.readFile(head, path);
      return text === undefined ? undefined : parseBucket(text, path);
    }),
  );
  return documents.filter((document): document is BucketDocument => document !== undefined);
}

/** A project's buckets at this head, by name. */
export async function projectBucketsAt(repo: DesiredStateRepository, head: CommitId, project: string): Promise<BucketDocument[]> {
  const documents: BucketDocument[] = [];
  for (const entry of await repo.listDirectory(head, bucketsDir(project))) {
    if (entry.type !== "blob" || !entry.name.endsWith(".yaml")) continue;
    const name = entry.name.slice(0, -".yaml".length);
    const text = await repo.readFile(head, bucketPath(project, name));
    if (text !== undefined) documents.push(parseBucket(text, bucketPath(project, name)));
  }
  return documents.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** One bucket of a project at this head; undefined when it has none of that name. */
export async function bucketAt(repo: DesiredStateRepository, head: CommitId, project: string, name: string): Promise<BucketDocument | undefined> {
  const text = await repo.readFile(head, bucketPath(project, name));
  return text === undefined ? undefined : parseBucket(text, bucketPath(project, name));
}
