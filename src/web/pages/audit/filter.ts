// The audit log as the page reads it: pages of records newest first, fetched older and older
// with `before` (the last id seen), and filtered in the browser by words and outcome.
import type { AuditRecord } from "../../../contracts/api.js";

export const PAGE_SIZE = 100;

export type OutcomeFilter = "all" | AuditRecord["outcome"] | "problems";

export function auditPath(before?: number, limit = PAGE_SIZE): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== undefined) query.set("before", String(before));
  return `/audit?${query}`;
}

/** Appends an older page, once each (a record seen twice, after a retry, is kept once). */
export function appendOlder(current: readonly AuditRecord[], older: readonly AuditRecord[]): AuditRecord[] {
  const seen = new Set(current.map((record) => record.id));
  return [...current, ...older.filter((record) => !seen.has(record.id))];
}

/** Where the next older page starts; undefined once a page came back short (nothing older). */
export function nextBefore(records: readonly AuditRecord[], lastPageLength: number, limit = PAGE_SIZE): number | undefined {
  if (lastPageLength < limit) return undefined;
  const last = records[records.length - 1];
  return last === undefined ? undefined : last.id;
}

const haystack = (record: AuditRecord): string =>
  [record.actor ?? "", record.action, record.target, record.outcome, record.project ?? "", ...record.labs, record.ip, record.detail, String(record.id)]
    .join("\n")
    .toLowerCase();

/** Records with every word of `text` somewhere in them (any case), of the chosen outcome. */
export function filterAudit(records: readonly AuditRecord[], text: string, outcome: OutcomeFilter = "all"): AuditRecord[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return records.filter((record) => {
    if (outcome === "problems" ? record.outcome === "success" : outcome !== "all" && record.outcome !== outcome) return false;
    if (words.length === 0) return true;
    const text = haystack(record);
    return words.every((word) => text.includes(word));
  });
}
