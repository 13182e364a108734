// The CLI run in-process against a server, as a person with an API token: what it printed
// (lines, errors, progress lines) and its exit code. commander's own help and errors are
// kept out of the test's output too, subcommands of subcommands included.
import type { Command } from "commander";
import type { Output } from "../../src/cli/format.js";
import { createProgram, runProgram } from "../../src/cli/program.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly progress: (string | undefined)[];
}

export async function runCli(server: string, token: string, ...args: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progress: (string | undefined)[] = [];
  const output: Output = {
    color: false,
    line: (text = "") => void stdout.push(text),
    error: (text) => void stderr.push(text),
    progress: (text) => void progress.push(text),
  };
  const program = createProgram({ version: "test", up: async () => undefined, output, env: { PLATEAU_TOKEN: token, PLATEAU_CREDENTIALS: "/nonexistent" } });
  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program)) {
    command.configureOutput({ writeOut: (text) => void stdout.push(text), writeErr: (text) => void stderr.push(text) });
  }
  const code = await runProgram(program, ["--server", server, ...args], output);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), progress };
}
