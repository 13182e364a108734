// The `backups <platform>` task (ADR 0034): at start and every `recovery.checkSeconds`, the
// platform's instances due by their project's policy are backed up, one at a time, and what
// is older than the retention removed. A failed instance is said and tried again at the next
// run; it never blocks the others (backups.ts).
import type { Logger } from "../ports/logger.js";
import type { ScheduledTask, Scheduler } from "../ports/scheduler.js";
import type { VolumeBackupService } from "./backups.js";

export function scheduleVolumeBackups(params: {
  readonly scheduler: Scheduler;
  readonly service: Pick<VolumeBackupService, "runPlatform">;
  readonly platform: string;
  readonly intervalMs: number;
  readonly logger: Logger;
}): ScheduledTask {
  const { platform, logger } = params;
  return params.scheduler.add({
    name: `backups ${platform}`,
    // The engines and the bucket are shared: once, on one replica (ADR 19).
    scope: "one-replica",
    intervalMs: params.intervalMs,
    immediately: true,
    async run({ signal }) {
      const report = await params.service.runPlatform(platform, signal);
      if (report.taken.length + report.removed.length + report.failed.length > 0)
        logger.info({ platform, taken: report.taken.length, removed: report.removed.length, failed: report.failed.length }, "backups run");
    },
  });
}
