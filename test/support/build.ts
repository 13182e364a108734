// Integration and end-to-end tests run the real `plateau` command (`bin/plateau.js` loads
// `dist/`) and its portal: build both from the tree under test, once for the run — an old
// `dist/` would test old code, and a fresh clone has none.
import { run } from "../../src/adapters/process.js";

export default async function setup() {
  // Every project that needs the build names this set-up; the first one builds.
  if (process.env.PLATEAU_TEST_BUILT === "1") return;
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
  process.env.PLATEAU_TEST_BUILT = "1";
}
