// End-to-end tests run the real `plateau` command: compile it once for the run.
import { run } from "../../src/adapters/process.js";

export default async function setup() {
  const result = await run("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: new URL("../..", import.meta.url).pathname });
  if (result.code !== 0) throw new Error(`build failed:\n${result.stdout.toString()}${result.stderr}`);
}
