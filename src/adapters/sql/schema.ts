// Tables of the database: the index of desired state (rebuildable from git) and what is
// not desired state (observed status, events, generated secrets).
import type { Generated } from "kysely";

export interface Database {
  meta: { key: string; value: string };
  platforms: { name: string; title: string; engine: string; tier: string; site: string; infrastructure: string; domain: string; flavour: string };
  projects: { name: string; title: string; created_at: string; created_by: string };
  instances: {
    project: string;
    name: string;
    template: string;
    template_version: string;
    platform: string;
    state: string;
    values_json: string;
    placement_reason: string;
    created_at: string;
    created_by: string;
  };
  requests: { id: string; commit_id: string; target: string };
  statuses: {
    project: string;
    instance: string;
    platform: string;
    phase: string;
    reason: string;
    applied_hash: string | null;
    endpoint: string | null;
    updated_at: string;
  };
  events: { id: Generated<number>; project: string; instance: string; at: string; message: string };
  secrets: { project: string; instance: string; name: string; value: string; created_at: string };
}
