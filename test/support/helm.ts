// Helm for tests: the binary scripts/fetch-helm.mjs put at tools/helm/helm (npm's `prepare`,
// or the unit tests' global set-up on a fresh clone). Tests never fetch anything themselves.
import { HELM_PATH, helmAnswers } from "../../scripts/fetch-helm.mjs";

export const TEST_HELM = HELM_PATH;

/** Why Helm tests cannot run here, or undefined when they can. Fails when they must run. */
export function helmUnavailable(): string | undefined {
  const reason = helmAnswers(TEST_HELM) ? undefined : `${TEST_HELM} is missing or does not answer (run \`node scripts/fetch-helm.mjs\`)`;
  if (reason && process.env.PLATEAU_REQUIRE_HELM === "1") throw new Error(`Helm is required (PLATEAU_REQUIRE_HELM=1) but ${reason}`);
  if (reason) console.warn(`\n[plateau tests] Helm tests skipped: ${reason}\n`);
  return reason;
}
