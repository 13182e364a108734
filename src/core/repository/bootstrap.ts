// A new desired-state repository starts with a README for the people who read it and the
// platforms this Plateau serves. Idempotent: it commits only what is missing.
import { parsePlatform, serialize, type PlatformDocument } from "../model.js";
import type { DesiredStateRepository, FileChange, Person } from "../ports/desired-state-repository.js";
import { platformPath } from "./layout.js";
import { TRAILERS } from "./trailers.js";

export const REPOSITORY_README = `# Desired state of Plateau

Every change made through Plateau is one commit here, authored by the person who asked for
it (by login). This repository is public: it never holds a secret, a password, a person's
name or e-mail — logins and group names only.

    platforms/<platform>.yaml                     a platform: engine, infrastructure, site, tier, domain
    labs/<lab>.yaml                               a lab's quota and project limit (optional)
    projects/<project>/project.yaml               a project: its lab, members (logins, groups) and quota
    projects/<project>/instances/<instance>.yaml  what a user asked for (template, values, placement)
    rendered/<platform>/<project>/namespace.yaml  the project's namespace on that platform
    rendered/<platform>/<project>/_project/       on clusters: its quota, limits, network policies, role bindings
    rendered/<platform>/<project>/<instance>/     what the platform runs (Kubernetes manifests)
    rendered/<platform>/<project>/_helm/<name>/   on clusters: a Helm instance's Argo CD Application
    rendered/<platform>/argocd/                   on clusters: Argo CD's AppProjects, ApplicationSet and
                                                  Plateau's Applications (apply plateau-bootstrap once)

Engines apply \`rendered/<platform>/\` as it is at the head of the branch. \`git revert\` of a
commit is a rollback; a change merged here by an operator is picked up like any other.
`;

export async function bootstrapRepository(repo: DesiredStateRepository, platforms: readonly PlatformDocument[], author: Person): Promise<string | null> {
  const head = await repo.head();
  const changes: FileChange[] = [];
  if (!head || (await repo.readFile(head, "README.md")) === undefined) changes.push({ path: "README.md", content: REPOSITORY_README });
  const declared: string[] = [];
  const givenS3: string[] = [];
  for (const platform of platforms) {
    const path = platformPath(platform.metadata.name);
    const existing = head ? await repo.readFile(head, path) : undefined;
    if (existing === undefined) {
      changes.push({ path, content: serialize(platform) });
      declared.push(platform.metadata.name);
      continue;
    }
    // A platform this Plateau's settings now give object storage (the local S3 server, installed
    // after the platform was declared): its file gains `spec.s3`, everything else kept as written.
    const s3 = platform.spec.s3;
    if (s3) {
      // A file that does not read is left as it is: what reads the platforms reports it.
      const document = (() => {
        try {
          return parsePlatform(existing, path);
        } catch {
          return undefined;
        }
      })();
      if (document && !document.spec.s3) {
        // Its backups come with it (their bucket is on that S3), unless the file says otherwise.
        const backups = document.spec.backups ?? platform.spec.backups;
        changes.push({ path, content: serialize({ ...document, spec: { ...document.spec, s3, ...(backups ? { backups } : {}) } }) });
        givenS3.push(platform.metadata.name);
      }
    }
  }
  if (changes.length === 0) return head;
  const names = [...declared, ...givenS3].join(", ");
  const subject = declared.length > 0 ? `declare platform ${names}` : `give platform ${names} object storage`;
  const body = [
    ...(declared.length > 0 ? ["Plateau serves these platforms; this commit declares those the repository did not list yet."] : []),
    ...(givenS3.length > 0 ? [`Plateau runs an S3 server for ${givenS3.join(", ")} now: its buckets are made there (spec.s3).`] : []),
  ].join(" ");
  return repo.commit({
    parent: head,
    author,
    message: `${subject}\n\n${body}`,
    trailers: { [TRAILERS.action]: "bootstrap" },
    changes,
  });
}
