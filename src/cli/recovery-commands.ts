// `plateau recovery`: backups, restores, failover and failback, drills (ADR 0034). One group,
// its commands in one file per part (backups, failover, drills).
import type { Command } from "commander";
import type { Client } from "./client.js";
import type { Output } from "./format.js";
import { registerBackupCommands } from "./backup-commands.js";
import { registerDrillCommands } from "./drill-commands.js";
import { registerFailoverCommands } from "./failover-commands.js";

export interface RecoveryCommandsContext {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
  /** Asks a yes/no question on the terminal (absent: on stdin when it is a terminal, refused otherwise). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export function registerRecoveryCommands(program: Command, context: RecoveryCommandsContext): Command {
  const recovery = program
    .command("recovery")
    .description("Disaster recovery: backups of instances' volumes, restores, failover to a recovery site and back, drills")
    .addHelpText(
      "after",
      `
Backups follow each project's recovery policy (institutional projects are backed up by
default; see 'plateau recovery backups --help'). Failover and drills are for operators.
`,
    );
  registerBackupCommands(recovery, context);
  registerFailoverCommands(recovery, context);
  registerDrillCommands(recovery, context);
  return recovery;
}
