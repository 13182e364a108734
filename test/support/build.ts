// End-to-end tests run the real `plateau` command and its portal: build both once for the run.
import { run } from "../../src/adapters/process.js";

export default async function setup() {
  const cwd = new URL("../..", import.meta.url).pathname;
  // Vitest sets NODE_ENV=test, which would give Vite a development build of React (twice the
  // size, effects run twice): the portal under test is the one people get.
  const env = { ...process.env, NODE_ENV: "production" };
  for (const [command, ...args] of [
    ["npx", "tsc", "-p", "tsconfig.build.json"],
    ["npx", "vite", "build", "--logLevel", "warn"],
  ] as const) {
    const result = await run(command, args, { cwd, env });
    if (result.code !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stdout.toString()}${result.stderr}`);
  }
}
