// Disaster recovery's API (ADR 0034): an instance's backups (Plateau's own, of podman volumes),
// listed by its members, taken now and restored in place by its editors. Project routes: a
// non-member gets 404, whatever exists; a restore names only the instance's own backups.
import { ErrorBody, IDEMPOTENCY_HEADER, InstanceParams } from "../../contracts/api.js";
import { BackupList, BackupRecordBody, RestoreBody, RestoreResponse } from "../../contracts/backups.js";
import { requesterOf } from "../../core/access/principal.js";
import { ConflictError } from "../../core/errors.js";
import type { BackupRecord } from "../../core/ports/volume-backups.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";
import { changeSeenBy, requestId } from "./routes.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };
const BODY_LIMIT = 4 * 1024;

export function registerBackupRoutes(app: App, deps: ServerDeps): void {
  const { instances } = deps.services;
  const bodyOf = (record: BackupRecord): BackupRecordBody => ({ ...record, volumes: record.volumes.map((volume) => ({ ...volume })) });

  app.get(
    "/projects/:project/instances/:instance/backups",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["recovery"],
        summary: "An instance's backups, newest first (none where its platform keeps no volume backups)",
        params: InstanceParams,
        response: { 200: BackupList, ...errors },
      },
    },
    async (request) => {
      const { project, instance } = request.params;
      const backups = deps.services.volumeBackups;
      if (!backups) {
        await instances.get(project, instance);
        return { items: [] };
      }
      return { items: (await backups.list(project, instance)).map(bodyOf) };
    },
  );

  app.post(
    "/projects/:project/instances/:instance/backups",
    {
      config: { access: { kind: "project", action: "write" }, audit: "backup" },
      schema: {
        tags: ["recovery"],
        summary: "Back up an instance's volumes now, whatever its project's policy; answers the backup once it exists",
        params: InstanceParams,
        response: { 201: BackupRecordBody, ...errors },
      },
    },
    async (request, reply) => {
      const { project, instance } = request.params;
      const backups = deps.services.volumeBackups;
      if (!backups) {
        const view = await instances.get(project, instance);
        throw new ConflictError(`platform ${view.platform} keeps no volume backups Plateau takes`, {
          reason: "no-volume-backups",
          params: { platform: view.platform },
        });
      }
      return reply.status(201).send(bodyOf(await backups.backupNow(project, instance)));
    },
  );

  app.post(
    "/projects/:project/instances/:instance/restore",
    {
      config: { access: { kind: "project", action: "write" }, audit: "restore" },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ["recovery"],
        summary: "Restore an instance's volumes in place from one of its backups (one commit; none when it already names that backup)",
        description:
          "Its current data is replaced by the backup's: what it wrote since is lost. `backup` absent: its newest. A backup of another instance is " +
          `refused (400 on /backup). Its platform restores the volumes before it starts the instance again. Send an ${IDEMPOTENCY_HEADER} header to make retries safe.`,
        params: InstanceParams,
        body: RestoreBody,
        response: { 202: RestoreResponse, ...errors },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { project, instance } = request.params;
      const result = await instances.restore(project, instance, request.body?.backup, requesterOf(userOf(request)), requestId(request));
      return reply.status(202).send(changeSeenBy(request, result));
    },
  );
}
