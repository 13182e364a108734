// The API of an instance's backups (ADR 0034): Plateau's own backups of podman volumes, listed,
// taken now, and an in-place restore. Shared by the server (validation, OpenAPI) and the CLI.
import { Type, type Static } from "typebox";
import { ChangeResponse } from "./api.js";

export const BackupVolume = Type.Object({
  claim: Type.String({ description: "The volume's claim in the instance's manifests" }),
  key: Type.String({ description: "Its archive's key in the backup bucket" }),
  bytes: Type.Integer({ minimum: 0, description: "Bytes of the volume's tar stream" }),
  storedBytes: Type.Integer({ minimum: 0, description: "Bytes of the compressed archive stored" }),
  sha256: Type.String({ description: "Checksum of the stored archive: a restore refuses an archive that differs" }),
});

export const BackupRecordBody = Type.Object({
  id: Type.String({ description: "`<yyyymmddThhmmssZ>-<random>`, sorted by time" }),
  platform: Type.String({ description: "The platform that took it" }),
  project: Type.String(),
  instance: Type.String(),
  takenAt: Type.String({ description: "When its volumes were read (ISO 8601): a restore loses what came after" }),
  volumes: Type.Array(BackupVolume),
});
export type BackupRecordBody = Static<typeof BackupRecordBody>;

export const BackupList = Type.Object({ items: Type.Array(BackupRecordBody, { description: "Newest first" }) });
export type BackupList = Static<typeof BackupList>;

export const RestoreBody = Type.Object(
  {
    backup: Type.Optional(Type.String({ maxLength: 253, description: "The backup's id (`plateau recovery backups` lists them); absent: the newest" })),
  },
  { additionalProperties: false },
);
export type RestoreBody = Static<typeof RestoreBody>;

export const RestoreResponse = Type.Object({
  ...ChangeResponse.properties,
  backup: Type.Object({ id: Type.String(), platform: Type.String(), takenAt: Type.String() }),
});
export type RestoreResponse = Static<typeof RestoreResponse>;
