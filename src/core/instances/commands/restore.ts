// An in-place restore by a person (ADR 0034): one commit setting the instance's `spec.restore`
// to one of its own backups (default: the newest), rendered again so that its platform's
// engine restores the volumes before it starts the pod. A restore is desired state: git says
// where the instance's data came from. None when it already names that backup.
import { ConflictError, InputError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument } from "../../model.js";
import { assertName } from "../../names.js";
import type { BackupRecord } from "../../ports/volume-backups.js";
import { instancePath } from "../../repository/layout.js";
import type { ChangeResult } from "../types.js";
import type { CommandContext } from "./context.js";

/** What a restore answers: the commit (null when nothing changed), the instance, and the backup it restores. */
export interface RestoreResult extends ChangeResult {
  readonly backup: Pick<BackupRecord, "id" | "platform" | "takenAt">;
}

const BACKUP_ID = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function restoreCommands(ctx: CommandContext) {
  const { deps } = ctx;

  /**
   * The backup to restore: one of the instance's own on the platform it runs on. Only the
   * instance's own backups are looked at (the adapter lists by project and instance, and each
   * record is checked again): naming another project's backup finds nothing.
   */
  async function chosenBackup(project: string, name: string, platform: string, asked: string | undefined): Promise<BackupRecord> {
    const ref = `${project}/${name}`;
    const backups = await deps.volumeBackups?.backupsFor(platform);
    if (!backups)
      throw new ConflictError(`platform ${platform} keeps no volume backups Plateau takes: ${ref} cannot be restored in place`, {
        reason: "no-volume-backups",
        params: { platform },
      });
    const own = (await backups.list(project, name)).filter((record) => record.project === project && record.instance === name && record.platform === platform);
    const chosen = asked === undefined ? own[0] : own.find((record) => record.id === asked);
    if (!chosen)
      throw asked === undefined
        ? InputError.field("/backup", "exists", `${ref} has no backup yet: \`plateau recovery backup ${ref}\` takes one`)
        : InputError.field("/backup", "exists", `${ref} has no backup ${asked}: \`plateau recovery backups ${ref}\` lists its backups`);
    return chosen;
  }

  return {
    async restore(project: string, name: string, backup: string | undefined, requester: Requester, key?: string): Promise<RestoreResult> {
      assertName("/project", project);
      assertName("/name", name);
      if (backup !== undefined && (backup.length > 253 || !BACKUP_ID.test(backup)))
        throw InputError.field("/backup", "pattern", "a backup id: lowercase letters, digits, dashes and dots, as `plateau recovery backups` lists them");
      const ref = `${project}/${name}`;
      const id = ctx.idOf(key, requester, "restore", ref);
      const replayed = await ctx.replay(id);
      if (replayed) {
        // A replay answers what the intent names now (the first request's backup, unless changed since).
        const intent = await ctx.intentAt(await deps.repo.head(), project, name);
        const restore = intent.spec.restore;
        return {
          ...replayed,
          backup: { id: restore?.backup ?? backup ?? "", platform: restore?.platform ?? intent.placement.platform, takenAt: restore?.takenAt ?? "" },
        };
      }
      // The backups are read before the writer's critical section (a bucket's listing is slow); the choice is checked against the head inside it.
      const before = await ctx.intentAt(await deps.repo.head(), project, name);
      const chosen = await chosenBackup(project, name, before.placement.platform, backup);
      const result = await ctx.changeOnce(id, project, name, async (head) => {
        const intent = await ctx.intentAt(head, project, name);
        if (!head) return null;
        const platformName = intent.placement.platform;
        if (platformName !== chosen.platform) throw new ConflictError(`${ref} moved to ${platformName} meanwhile: ask again`, { reason: "repository-moved" });
        const current = intent.spec.restore;
        if (current?.backup === chosen.id && current.platform === chosen.platform) return null;
        const platform = await ctx.platformAt(head, platformName);
        const next: InstanceDocument = {
          ...intent,
          spec: {
            ...intent.spec,
            restore: { backup: chosen.id, platform: chosen.platform, takenAt: chosen.takenAt, reason: `restore requested by ${requester.login}` },
          },
        };
        const source = await ctx.sources.sourceFor(intent.spec.template);
        const { changes } = source.render(next, platform);
        return {
          author: requester,
          message:
            `restore ${ref} from backup ${chosen.id}\n\n` +
            `Requested by ${requester.login}. Its volumes are replaced by those of backup ${chosen.id}, taken ${chosen.takenAt} on ${chosen.platform}: ` +
            `what it wrote since is lost. Its platform restores them before it starts the instance again.`,
          trailers: ctx.trailersOf("restore", ref, platformName, id),
          changes: [{ path: instancePath(project, name), content: serialize(next) }, ...changes],
        };
      });
      return { ...result, backup: { id: chosen.id, platform: chosen.platform, takenAt: chosen.takenAt } };
    },
  };
}
