import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./test/support/summary-reporter.js";

export default defineConfig({
  test: {
    // Tests use real git, podman and servers: generous timeouts, never timing assertions.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", new SummaryReporter()],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts", "scripts/**/*.test.ts"], globalSetup: ["test/support/global-setup.ts"] },
      },
      {
        extends: true,
        // Some spawn the real `plateau` command: built from this tree first.
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], globalSetup: ["test/support/build.ts"] },
      },
      {
        extends: true,
        // End-to-end tests share one podman and one machine: run them one file at a time.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 300_000,
          globalSetup: ["test/support/build.ts"],
        },
      },
    ],
  },
});
