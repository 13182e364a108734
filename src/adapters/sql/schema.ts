// Tables of the database: the index of desired state (rebuildable from git) and what is
// not desired state (observed status, events, generated secrets).
import type { Generated } from "kysely";

export interface Database {
  replication_leader: { id: string; replica_id: string; epoch: number; since: string };
  recovery_drills: { id: string; platform: string; started_at: string; report_json: string };
  recovery_drill_projects: { drill_id: string; project: string; started_at: string };
  notices: {
    key: string;
    kind: string;
    params_json: string;
    project: string;
    instance: string | null;
    due: string | null;
    action: string | null;
    created_at: string;
  };
  notice_recipients: { notice_key: string; login: string; read_at: string | null };
  notice_deliveries: {
    id: string;
    notice_key: string;
    channel: string;
    login: string;
    address: string;
    attempts: number;
    next_at: string | null;
    delivered_at: string | null;
    last_error: string | null;
  };
  meta: { key: string; value: string };
  platforms: { name: string; title: string; engine: string; tier: string; site: string; infrastructure: string; domain: string; flavour: string };
  projects: {
    name: string;
    title: string;
    created_at: string;
    created_by: string;
    lab: string | null;
    personal: string | null;
    members_json: string;
    quota_json: string;
    tiers_json: string;
  };
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
    expires_at: string | null;
    rendered_json: string | null;
    stop_by: string | null;
  };
  requests: { id: string; commit_id: string; target: string };
  statuses: {
    project: string;
    instance: string;
    platform: string;
    phase: string;
    reason: string;
    /** 0008: a code of STATUS_REASONS and its values as JSON; statuses written before are `reported` with their reason. */
    reason_code: string;
    reason_params_json: string;
    applied_hash: string | null;
    endpoint: string | null;
    updated_at: string;
  };
  events: { id: Generated<number>; project: string; instance: string; at: string; message: string; kind: Generated<string>; params_json: Generated<string> };
  secrets: { project: string; instance: string; name: string; value: string; created_at: string };
  users: {
    id: string;
    issuer: string;
    subject: string;
    login: string;
    name: string;
    email: string;
    groups_json: string;
    labs_json: string;
    lab_admin_json: string;
    operator: number;
    created_at: string;
    last_sign_in_at: string;
  };
  sessions: {
    id_hash: string;
    user_id: string;
    csrf_token: string;
    provider: string;
    id_token: string | null;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    parent_hash: string | null;
    instance_host: string | null;
  };
  one_time: { kind: string; key_hash: string; payload: string; expires_at: string };
  /** Rate-limit buckets shared by the replicas (migration 0014, ADR 0043). */
  rate_limits: { scope: string; key: string; tokens: number; at_ms: number; full_at_ms: number; allowed: number };
  tokens: {
    id: string;
    user_id: string;
    name: string;
    hash: string;
    prefix: string;
    projects_json: string | null;
    write: number;
    created_at: string;
    expires_at: string;
    last_used_at: string | null;
    revoked_at: string | null;
  };
  audit: {
    id: Generated<number>;
    at: string;
    actor: string | null;
    action: string;
    target: string;
    outcome: string;
    project: string | null;
    labs: string;
    ip: string;
    detail: string;
  };
}
