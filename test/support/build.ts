// End-to-end tests run the real `plateau` command and its portal: build both once for the run.
import { run } from "../../src/adapters/process.js";

export default async function setup() {
  const cwd = new URL("../..", import.meta.url).pathname;
  for (const [command, ...args] of [
    ["npx", "tsc", "-p", "tsconfig.build.json"],
    ["npx", "vite", "build", "--logLevel", "warn"],
  ] as const) {
    const result = await run(command, args, { cwd });
    if (result.code !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stdout.toString()}${result.stderr}`);
  }
}
