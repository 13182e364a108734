import { describe, expect, it } from "vitest";
import {
  BUCKET_REPLICA_STATES,
  BUCKET_STATUSES,
  CHOICE_REASONS,
  DRILL_FAILURES,
  ERROR_REASONS,
  EVENT_KINDS,
  EXCLUSION_REASONS,
  NOTICE_ACTIONS,
  NOTICE_KINDS,
  QUOTA_BLOCKS,
  SCORE_CRITERIA,
  STATUS_REASONS,
  RECOVERY_SKIP_REASONS,
  RECOVERY_STATES,
} from "../contracts/codes.js";
import { choiceText, CODE_TEXTS, errorReasonText, eventText, exclusionText, quotaBlockText, statusReasonText } from "./code-texts.js";
import { LANGUAGES } from "./i18n.js";

// The lists are the server's own (src/contracts/codes.ts): a code added there without words
// here fails, in either language.
const LISTS = {
  reasons: ERROR_REASONS,
  events: EVENT_KINDS,
  statuses: STATUS_REASONS,
  exclusions: EXCLUSION_REASONS,
  choices: CHOICE_REASONS,
  criteria: SCORE_CRITERIA,
  quotaBlocks: QUOTA_BLOCKS,
  notices: NOTICE_KINDS,
  noticeActions: NOTICE_ACTIONS,
  bucketStatuses: BUCKET_STATUSES,
  replicaStates: BUCKET_REPLICA_STATES,
  recoverySkips: RECOVERY_SKIP_REASONS,
  recoveryStates: RECOVERY_STATES,
  drillFailures: DRILL_FAILURES,
} as const;
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort();

describe("the portal's words for the API's codes", () => {
  for (const [group, codes] of Object.entries(LISTS) as [keyof typeof LISTS, readonly string[]][]) {
    it(`has every ${group} code in both languages, with the same parameters, and no other`, () => {
      for (const language of LANGUAGES) {
        const texts = CODE_TEXTS[language][group] as Readonly<Record<string, string | undefined>>;
        for (const code of codes) expect(texts[code]?.trim(), `${language}: ${group}.${code}`).toBeTruthy();
        expect(Object.keys(texts).sort(), `${language}: ${group} for codes the API does not have`).toEqual([...codes].sort());
      }
      for (const code of codes) {
        const [en, fr] = [CODE_TEXTS.en[group], CODE_TEXTS.fr[group]].map((texts) => (texts as Readonly<Record<string, string>>)[code] ?? "");
        expect(placeholders(fr ?? ""), `${group}.${code}`).toEqual(placeholders(en ?? ""));
      }
    });
  }

  it("puts the error's values in its sentence, and says nothing of its own for an error without a case", () => {
    expect(errorReasonText({ reason: "name-taken", params: { project: "demo", name: "hello" } }, "fr")).toBe(
      "Une instance nommée hello existe déjà dans demo : choisissez un autre nom, ou supprimez-la d'abord.",
    );
    expect(errorReasonText({}, "en")).toBeUndefined();
  });

  it("says events in the reader's language, their action and phase too, and an event without a kind as it was recorded", () => {
    expect(eventText({ kind: "pulling", params: { image: "nginx:1" }, message: "pulling image nginx:1" }, "fr")).toBe("Téléchargement de l'image nginx:1");
    expect(eventText({ kind: "action-failed", params: { action: "stop", reason: "podman is gone" }, message: "stop failed: podman is gone" }, "fr")).toBe(
      "L'arrêt a échoué : podman is gone",
    );
    expect(eventText({ kind: "reported", params: { phase: "starting", reason: "waiting" }, message: "starting: waiting" }, "en")).toBe("starting: waiting");
    expect(eventText({ kind: "other", params: {}, message: "applying revision abc on local" }, "fr")).toBe("applying revision abc on local");
  });

  it("says why an instance is in its phase in the reader's language, the platform's own words as they came", () => {
    expect(statusReasonText({ reasonCode: "pulling", reasonParams: { image: "nginx:1" } }, "fr")).toBe("Téléchargement de l'image nginx:1");
    expect(statusReasonText({ reasonCode: "action-failed", reasonParams: { action: "apply", reason: "boom" } }, "fr")).toBe("L'application a échoué : boom");
    expect(statusReasonText({ reasonCode: "retry-scheduled", reasonParams: { reason: "boom", seconds: 4 } }, "en")).toBe("boom (next attempt in 4 s)");
    expect(statusReasonText({ reasonCode: "reported", reasonParams: { reason: "exit code 1" } }, "fr")).toBe("exit code 1");
    expect(statusReasonText({ reasonCode: "stop-requested", reasonParams: {} }, "fr")).toBe("Arrêt demandé");
  });

  it("says placement's exclusions and choice in the reader's language", () => {
    expect(exclusionText({ platform: "okd", code: "tier", params: { tier: "institutional", tiers: "experimental" }, reason: "…" }, "en")).toBe(
      "tier institutional, and this project may only run on experimental platforms",
    );
    expect(
      choiceText(
        {
          reasons: [
            { code: "only-eligible", params: {} },
            { code: "unavailable", params: { reason: "podman not found" } },
          ],
        },
        "fr",
      ),
    ).toBe("la seule plateforme qui peut la faire tourner ; indisponible pour l'instant (podman not found) : elle tournera dès le retour de la plateforme");
  });

  it("says which quota blocks a launch and how to raise it, its unit in the reader's words", () => {
    const params = { scope: "project", name: "genomics", resource: "cpu", unit: "cores", asked: 4, used: 6, limit: 8, remaining: 2, needed: 10, option: "cpu" };
    expect(quotaBlockText({ code: "project-quota", params }, "en")).toBe(
      "Project genomics has 8 cores (6 in use) and this launch needs 4 more: a lab admin can raise it with plateau projects quota genomics --cpu 10.",
    );
    expect(quotaBlockText({ code: "project-quota", params }, "fr")).toBe(
      "Le projet genomics a 8 cœurs (6 utilisés) et ce lancement en demande 4 de plus : un admin du labo peut l'augmenter avec plateau projects quota genomics --cpu 10.",
    );
  });
});
