// The admin ops API of a Ceph RADOS Gateway (`/admin/user`, `/admin/bucket`…), signed with AWS
// SigV4 (service "s3") by a user with admin caps. Parameters go in the query only, through
// URLSearchParams: 16.2 reads a JSON body only with an unsigned payload.
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { ObjectStorageError } from "./errors.js";

export interface RgwAdminApiParams {
  /** The gateway's URL (`http://127.0.0.1:7480`); requests go to `<url>/admin/…`. */
  readonly url: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type AdminParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RgwAdminApi {
  /** The JSON answer, or undefined for a 404 whose code is one of `absentCodes`. */
  request<T>(method: "GET" | "PUT" | "POST" | "DELETE", resource: string, params: AdminParams, absentCodes?: readonly string[]): Promise<T | undefined>;
}

export function createRgwAdminApi(params: RgwAdminApiParams): RgwAdminApi {
  const base = new URL(params.url);
  const prefix = base.pathname.replace(/\/+$/, "");
  const signer = new SignatureV4({
    service: "s3",
    region: params.region,
    credentials: { accessKeyId: params.accessKeyId, secretAccessKey: params.secretAccessKey },
    sha256: Hash.bind(null, "sha256"),
    // S3 signs paths as they are, without normalising or double-encoding them
    uriEscapePath: false,
    applyChecksum: true,
  });

  return {
    async request<T>(method: "GET" | "PUT" | "POST" | "DELETE", resource: string, query: AdminParams, absentCodes: readonly string[] = []) {
      const search = new URLSearchParams();
      const signedQuery: Record<string, string> = {};
      for (const [key, value] of Object.entries({ ...query, format: "json" })) {
        if (value === undefined) continue;
        search.set(key, String(value));
        signedQuery[key] = String(value);
      }
      const path = `${prefix}/admin/${resource}`;
      const signed = await signer.sign({
        method,
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port ? Number(base.port) : undefined,
        path,
        query: signedQuery,
        headers: { host: base.host },
      });
      const url = new URL(base.origin);
      url.pathname = path;
      url.search = search.toString();
      const response = await fetch(url, { method, headers: signed.headers });
      const text = await response.text();
      if (!response.ok) {
        const code = adminErrorCode(text) ?? `HTTP${response.status}`;
        if (response.status === 404 && absentCodes.includes(code)) return undefined;
        throw new ObjectStorageError(code, `RGW admin ${method} /admin/${resource} (${describe(query)}): ${code} (HTTP ${response.status})`, response.status);
      }
      return (text ? JSON.parse(text) : undefined) as T | undefined;
    },
  };
}

function adminErrorCode(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { Code?: unknown };
    return typeof parsed.Code === "string" ? parsed.Code : undefined;
  } catch {
    return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  }
}

/** The request's parameters for an error message, without any secret. */
function describe(query: AdminParams): string {
  return Object.entries(query)
    .filter(([key, value]) => value !== undefined && key !== "secret-key")
    .map(([key, value]) => (value === "" ? key : `${key}=${String(value)}`))
    .join(" ");
}
