// What replication needs of a bucket's objects (ADR 0033): list them, stream a byte range of one
// out, stream one in (in parts when it is large), remove some. One instance speaks for one key
// pair on one provider: Plateau copies between sites with the project's own keys on each side.
// The adapter is adapters/s3/bucket-contents.ts; bytes pass through and are never held whole.

/** An object as a listing shows it: its latest version only. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** As the server gives it, without quotes: an MD5, or `<md5 of the parts' md5s>-<parts>` for multipart uploads. */
  readonly etag: string;
}

/** An object of a replica, with the source's ETag replication recorded on it when that is known. */
export interface ReplicaObject extends ListedObject {
  readonly sourceETag?: string;
}

/** The bytes [start, end) of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type ByteStream = AsyncIterable<Uint8Array>;

/** The object replication was copying changed or went away since it was listed: copied at the next run. */
export class ObjectChangedError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`${bucket}/${key} changed while it was being copied`);
    this.name = "ObjectChangedError";
  }
}

export interface BucketContents {
  /** Every object's latest version, by key. Throws when the bucket does not exist. */
  list(bucket: string, signal?: AbortSignal): Promise<ListedObject[]>;
  /** The source's ETag recorded on this object when replication wrote it; undefined when none (or no object). */
  recordedSourceETag(bucket: string, key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** A byte range of the object as it is while its ETag is `etag`; ObjectChangedError once it is not. */
  read(bucket: string, key: string, etag: string, range: ByteRange, signal?: AbortSignal): Promise<ByteStream>;
  /**
   * Writes an object of `size` bytes whose bytes `readRange` gives, streamed (in parts when it is
   * large), recording `sourceETag` on it. Nothing is left half written: a failed multipart
   * upload is aborted (one a crash leaves is aborted by `abortUploads` at the next run).
   */
  write(
    bucket: string,
    key: string,
    object: { readonly size: number; readonly sourceETag: string },
    readRange: (range: ByteRange) => Promise<ByteStream>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Removes these objects (their latest versions); absent ones are no error. */
  remove(bucket: string, keys: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Aborts the multipart uploads left unfinished in the bucket. */
  abortUploads(bucket: string, signal?: AbortSignal): Promise<number>;
}
