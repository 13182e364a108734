// What a refused S3 or admin ops request becomes: the server's own error code (BucketAlreadyExists,
// AccessDenied, QuotaExceeded, NoSuchUser…) and the HTTP status, with a message naming the
// operation and never a secret key.

export class ObjectStorageError extends Error {
  constructor(
    /** The S3 or admin ops error code, as the server names it. */
    readonly code: string,
    message: string,
    /** The HTTP status of the answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ObjectStorageError";
  }
}

/** The code of an AWS SDK error (its name is the S3 code), or undefined for anything else. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && "$metadata" in error) return error.name;
  return undefined;
}

/** The HTTP status of an AWS SDK error. */
export function s3ErrorStatus(error: unknown): number | undefined {
  if (error instanceof Error && "$metadata" in error) {
    const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
    return metadata?.httpStatusCode;
  }
  return undefined;
}
