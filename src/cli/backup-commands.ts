// `plateau recovery backups|backup|restore` (ADR 0034): an instance's backups (Plateau's own, of
// podman volumes), one taken now, and an in-place restore: one commit naming the backup, after
// which the platform replaces the instance's volumes by the backup's before it starts again.
import type { Command } from "commander";
import type { BackupList, BackupRecordBody, RestoreResponse } from "../contracts/backups.js";
import { humanBytes, terminalConfirm } from "./bucket-commands.js";
import { paint, table } from "./format.js";
import { parseInstanceRef } from "./instance-ref.js";
import type { RecoveryCommandsContext } from "./recovery-commands.js";

/** How long ago, for people: `3 h`, `2 d`, `40 min`. */
export function age(takenAt: string, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(takenAt)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / (24 * 60))} d`;
}

export function registerBackupCommands(recovery: Command, context: RecoveryCommandsContext): void {
  const { out, client, json } = context;
  const confirm = context.confirm ?? terminalConfirm;
  const instancePath = (project: string, instance: string, tail: string) =>
    `/projects/${encodeURIComponent(project)}/instances/${encodeURIComponent(instance)}/${tail}`;
  const size = (record: BackupRecordBody) => humanBytes(record.volumes.reduce((sum, volume) => sum + volume.storedBytes, 0));

  recovery
    .command("backups")
    .argument("<project[/instance]>", "a project's instances, or one of them")
    .description("List backups of instances' volumes, newest first: id, when taken, how old, stored size")
    .option("--json", "print JSON")
    .action(async (target: string, options: { json?: boolean }) => {
      const refs = target.includes("/")
        ? [parseInstanceRef(target)]
        : (await client().instances(target)).map((instance) => ({ project: instance.project, instance: instance.name }));
      const records: BackupRecordBody[] = [];
      for (const { project, instance } of refs) records.push(...(await client().call<BackupList>("GET", instancePath(project, instance, "backups"))).items);
      if (options.json) return json(records);
      if (records.length === 0) return out.line(`No backups of ${target} (plateau recovery backup <project>/<instance> takes one now).`);
      const now = new Date();
      for (const line of table(
        ["INSTANCE", "BACKUP", "TAKEN", "AGE", "SIZE"],
        records.map((record) => [`${record.project}/${record.instance}`, record.id, record.takenAt, age(record.takenAt, now), size(record)]),
      ))
        out.line(line);
    });

  recovery
    .command("backup")
    .argument("<project/instance>", "the instance")
    .description("Back up an instance's volumes now, whatever its project's policy (before a risky change)")
    .option("--json", "print JSON")
    .action(async (target: string, options: { json?: boolean }) => {
      const { project, instance } = parseInstanceRef(target);
      const record = await client().call<BackupRecordBody>("POST", instancePath(project, instance, "backups"));
      if (options.json) return json(record);
      out.line(
        `${paint(out, "green", "✓")} ${project}/${instance} backed up: ${paint(out, "bold", record.id)}, ${record.volumes.length} volume${record.volumes.length === 1 ? "" : "s"}, ${size(record)} stored`,
      );
    });

  recovery
    .command("restore")
    .argument("<project/instance>", "the instance")
    .description("Restore an instance's volumes in place from one of its backups (one commit): its current data is replaced")
    .option("--backup <id>", "this backup (default: its newest; plateau recovery backups lists them)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print JSON")
    .action(async (target: string, options: { backup?: string; yes?: boolean; json?: boolean }) => {
      const { project, instance } = parseInstanceRef(target);
      const which = options.backup === undefined ? "its newest backup" : `backup ${options.backup}`;
      if (
        !options.yes &&
        !(await confirm(`Restore ${project}/${instance} from ${which}? Its current data is replaced by the backup's: what it wrote since is lost.`))
      ) {
        return out.line("Nothing restored.");
      }
      const result = await client().call<RestoreResponse>(
        "POST",
        instancePath(project, instance, "restore"),
        options.backup === undefined ? {} : { backup: options.backup },
      );
      if (options.json) return json(result);
      if (result.commit === null) return out.line(`${project}/${instance} already names backup ${result.backup.id}: nothing to do.`);
      out.line(
        `${paint(out, "green", "✓")} ${project}/${instance} restores backup ${paint(out, "bold", result.backup.id)} (taken ${result.backup.takenAt}; commit ${result.commit.slice(0, 7)}): ` +
          `its platform replaces its volumes before it starts again (plateau status ${project}/${instance}).`,
      );
    });
}
