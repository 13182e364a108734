// An S3 client (AWS SDK v3) set for the servers Plateau drives: a Ceph RGW answers path-style
// addressing only, and 16.2 refuses the SDK's default aws-chunked trailing checksums (a
// streamed PutObject fails), so checksums are sent and checked only when an operation needs them.
import { S3Client } from "@aws-sdk/client-s3";

export interface S3ClientParams {
  /** `http://127.0.0.1:7480`, `https://s3.example.org`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

// The SDK warns once per process that versions published after January 2027 will need Node 22.
// Plateau runs on Node 20 with this SDK's version pinned in package.json: the warning would only
// alarm people reading `plateau up`'s output, so it is turned off unless someone set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export function createS3Client(params: S3ClientParams): S3Client {
  return new S3Client({
    endpoint: params.endpoint,
    region: params.region,
    credentials: { accessKeyId: params.credentials.accessKeyId, secretAccessKey: params.credentials.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
