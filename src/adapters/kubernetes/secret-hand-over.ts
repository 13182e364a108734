// Generated secrets reach a cluster without ever touching git (ADR 0004, ADR 0010): Plateau
// writes the Secret `<instance>-generated` into the project's namespace through the
// Kubernetes API, by server-side apply under its own field manager, just before Argo CD
// syncs the manifests that refer to it. The Secret is checked against the Kubernetes schema
// (kubernetes-models) before it is sent; the token is a service account's allowed only to
// manage Secrets labelled by Plateau (docs/argocd.md gives the Role).
import { Secret } from "kubernetes-models/v1/Secret";
import { InputError, UnavailableError } from "../../core/errors.js";
import { assertName } from "../../core/names.js";
import { MANAGED_BY } from "../../core/render/render.js";

export interface SecretHandOverParams {
  /** The cluster's API server, e.g. `https://api.plmshift.example.org:6443`. */
  readonly apiURL: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface SecretHandOver {
  /** Creates or updates the Secret with exactly these keys. */
  put(namespace: string, name: string, data: Readonly<Record<string, string>>): Promise<void>;
  /** Deletes it; gone already is fine. */
  remove(namespace: string, name: string): Promise<void>;
}

const FIELD_MANAGER = "plateau";

export function createSecretHandOver(params: SecretHandOverParams): SecretHandOver {
  const fetchFn = params.fetch ?? fetch;
  const base = params.apiURL.replace(/\/+$/, "");
  const timeoutMs = params.timeoutMs ?? 15_000;

  async function call(method: string, path: string, body?: string, contentType?: string): Promise<Response> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await fetchFn(url, {
        method,
        headers: { authorization: `Bearer ${params.token}`, accept: "application/json", ...(contentType ? { "content-type": contentType } : {}) },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new UnavailableError(
        `Kubernetes API ${base}: ${(error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message}`,
      );
    }
    return response;
  }

  const secretPath = (namespace: string, name: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;

  async function failure(response: Response, what: string): Promise<never> {
    let message = "";
    try {
      message = ((await response.json()) as { message?: string }).message ?? "";
    } catch {
      // not a Status object
    }
    if (response.status === 401 || response.status === 403) {
      throw new UnavailableError(`Kubernetes API ${base} refused the token to ${what} (HTTP ${response.status}${message ? `: ${message}` : ""})`);
    }
    throw new UnavailableError(`Kubernetes API ${base}: ${what} failed (HTTP ${response.status}${message ? `: ${message}` : ""})`);
  }

  return {
    async put(namespace, name, data) {
      assertName("/namespace", namespace);
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253)
        throw InputError.field("/name", "dns-subdomain", `"${name}" is not a Secret name`);
      const secret = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace, labels: { ...MANAGED_BY } },
        type: "Opaque",
        // stringData would be merged key by key by apply; data replaces the whole map we manage.
        data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")])),
      };
      new Secret(secret as never).validate();
      const response = await call(
        "PATCH",
        `${secretPath(namespace, name)}?fieldManager=${FIELD_MANAGER}&force=true`,
        JSON.stringify(secret),
        // Server-side apply: JSON is YAML; creates the Secret or makes our fields what we say.
        "application/apply-patch+yaml",
      );
      if (!response.ok) await failure(response, `write Secret ${namespace}/${name}`);
    },
    async remove(namespace, name) {
      const response = await call("DELETE", secretPath(namespace, name));
      if (!response.ok && response.status !== 404) await failure(response, `delete Secret ${namespace}/${name}`);
    },
  };
}
