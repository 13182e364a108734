// `plateau recovery …`: the drill commands (ADR 0034). Filled in by its piece of issue 16.
import type { Command } from "commander";
import type { RecoveryCommandsContext } from "./recovery-commands.js";

export function registerDrillCommands(_recovery: Command, _context: RecoveryCommandsContext): void {}
