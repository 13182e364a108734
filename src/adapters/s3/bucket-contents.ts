// A bucket's objects through S3 with one key pair (core/ports/bucket-contents.ts), for replication
// between sites (ADR 0033). Streamed: a GET's body goes straight into the PUT (or the part) that
// writes it, so an object is never held in memory whole; objects over `multipartAboveBytes`
// are written in parts, each read by a ranged GET pinned to the ETag that was listed.
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { ObjectChangedError, type BucketContents, type ByteRange, type ByteStream, type ListedObject } from "../../core/ports/bucket-contents.js";
import type { S3Endpoint, S3Key } from "../../core/ports/object-storage.js";
import { partSize } from "../../core/buckets/replication.js";

/** The metadata key (`x-amz-meta-…`) a copy records its source's ETag under. */
export const SOURCE_ETAG_METADATA = "plateau-source-etag";
const MIB = 1024 * 1024;

export interface S3BucketContentsParams {
  readonly endpoint: S3Endpoint;
  readonly key: S3Key;
  /** Objects larger than this are written in parts (default 64 MiB). */
  readonly multipartAboveBytes?: number;
  /** The smallest part (default 16 MiB; S3 wants at least 5 MiB but for the last). */
  readonly minPartBytes?: number;
  /** Objects removed at once (default 8). */
  readonly removeConcurrency?: number;
}

const unquote = (etag: string | undefined): string => (etag ?? "").replace(/^"|"$/g, "");

const statusOf = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** What a refused request becomes in a replica's status: the operation, the server's code and the HTTP status (never a key). */
function refused(operation: string, error: unknown): Error {
  const status = statusOf(error);
  if (status === undefined) return error instanceof Error ? new Error(`${operation}: ${error.message}`) : new Error(`${operation}: ${String(error)}`);
  const name = (error as Error).name;
  // RGW answers a write over the bucket's quota 403 with a body the SDK does not always read (it stops sending first).
  const code = name && name !== "UnknownError" ? name : status === 403 ? "refused (over the bucket's quota, or the key may not write)" : "refused";
  return Object.assign(new Error(`${operation}: ${code} (HTTP ${status})`), { $metadata: { httpStatusCode: status } });
}

export function s3ClientOf(endpoint: S3Endpoint, key: S3Key): S3Client {
  return new S3Client({
    endpoint: endpoint.url,
    region: endpoint.region,
    forcePathStyle: endpoint.pathStyle,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    // Trailing checksums (the SDK's default) break streamed uploads on RGW 16 (scripts/s3-ceph-rgw.sh).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function createS3BucketContents(params: S3BucketContentsParams, client: S3Client = s3ClientOf(params.endpoint, params.key)): BucketContents {
  const multipartAbove = params.multipartAboveBytes ?? 64 * MIB;
  const minPart = params.minPartBytes ?? 16 * MIB;
  const bodyOf = (stream: ByteStream): Readable => (stream instanceof Readable ? stream : Readable.from(stream));

  async function writeObject(
    bucket: string,
    key: string,
    object: { readonly size: number; readonly sourceETag: string },
    readRange: (range: ByteRange) => Promise<ByteStream>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const Metadata = { [SOURCE_ETAG_METADATA]: object.sourceETag };
    if (object.size <= multipartAbove) {
      const body = object.size === 0 ? Buffer.alloc(0) : bodyOf(await readRange({ start: 0, end: object.size }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: object.size, Metadata }), { abortSignal: signal });
      return;
    }
    const part = partSize(object.size, minPart);
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata }), { abortSignal: signal });
    const UploadId = upload.UploadId as string;
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, number = 1; start < object.size; start += part, number++) {
        const end = Math.min(start + part, object.size);
        const body = bodyOf(await readRange({ start, end }));
        const written = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: number, Body: body, ContentLength: end - start }),
          {
            abortSignal: signal,
          },
        );
        parts.push({ PartNumber: number, ETag: written.ETag as string });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal });
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  return {
    async list(bucket, signal) {
      const objects: ListedObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal });
        for (const item of page.Contents ?? []) {
          if (item.Key !== undefined) objects.push({ key: item.Key, size: item.Size ?? 0, etag: unquote(item.ETag) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async recordedSourceETag(bucket, key, signal) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return head.Metadata?.[SOURCE_ETAG_METADATA];
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    async read(bucket, key, etag, range, signal) {
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${etag}"`, Range: `bytes=${range.start}-${range.end - 1}` }),
          { abortSignal: signal },
        );
        if (!object.Body) throw new Error(`${bucket}/${key}: the server sent no body`);
        return object.Body as Readable;
      } catch (error) {
        if (statusOf(error) === 412 || statusOf(error) === 404) throw new ObjectChangedError(bucket, key);
        throw error;
      }
    },

    async write(bucket, key, object, readRange, signal) {
      try {
        await writeObject(bucket, key, object, readRange, signal);
      } catch (error) {
        if (error instanceof ObjectChangedError) throw error;
        throw refused(`writing ${key} to ${bucket} at ${params.endpoint.url}`, error);
      }
    },

    async remove(bucket, keys, signal) {
      // One DeleteObject each: DeleteObjects wants a Content-MD5 some RGWs check and the SDK no longer sends.
      const queue = [...keys];
      const worker = async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        }
      };
      await Promise.all(Array.from({ length: Math.min(params.removeConcurrency ?? 8, keys.length) }, worker));
    },

    async abortUploads(bucket, signal) {
      let aborted = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListMultipartUploadsCommand({
            Bucket: bucket,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
          { abortSignal: signal },
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId) continue;
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }), { abortSignal: signal });
          aborted++;
        }
        if (!page.IsTruncated) return aborted;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
    },
  };
}

/**
 * What `plateau up` gives replication: the contents of a provider as one key pair reaches them,
 * one S3 client per endpoint and key kept (their connections reused from run to run).
 */
export function createS3BucketContentsFactory(
  options: Omit<S3BucketContentsParams, "endpoint" | "key"> = {},
): (endpoint: S3Endpoint, key: S3Key) => BucketContents {
  const clients = new Map<string, S3Client>();
  return (endpoint, key) => {
    const id = `${endpoint.url}\u0000${key.accessKeyId}\u0000${key.secretAccessKey}`;
    let client = clients.get(id);
    if (!client) {
      // Rotated keys leave their clients behind: a bound on them, rather than a leak.
      if (clients.size >= 256) {
        clients.forEach((old) => old.destroy());
        clients.clear();
      }
      clients.set(id, (client = s3ClientOf(endpoint, key)));
    }
    return createS3BucketContents({ ...options, endpoint, key }, client);
  };
}
