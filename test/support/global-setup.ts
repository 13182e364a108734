// Started once per test run: services that many test files share.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresSkipped: string;
  }
}

export default async function setup(project: TestProject) {
  const postgres = await startPostgres();
  if ("skipped" in postgres) {
    if (process.env.PLATEAU_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL is required (PLATEAU_REQUIRE_POSTGRES=1): ${postgres.skipped}`);
    console.warn(`\n[plateau tests] PostgreSQL tests skipped: ${postgres.skipped}\n`);
    project.provide("postgresUrl", "");
    project.provide("postgresSkipped", postgres.skipped);
    return;
  }
  project.provide("postgresUrl", postgres.url);
  project.provide("postgresSkipped", "");
  return () => postgres.stop();
}
