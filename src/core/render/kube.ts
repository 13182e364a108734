// Kubernetes objects as plain data. We build objects, never text: values of users end up
// as string fields of these objects and are serialized once by `toYaml`.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export const isKubeObject = (value: unknown): value is KubeObject =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as KubeObject).apiVersion === "string" &&
  typeof (value as KubeObject).kind === "string" &&
  typeof (value as KubeObject).metadata?.name === "string";

/** `deployment-hello.yaml`: one object per file, named by kind and name (stable). */
export const manifestFileName = (object: KubeObject): string => `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet"]);

/** True when the rendered objects ask for at least one running pod. */
export function wantsToRun(objects: readonly KubeObject[]): boolean {
  return objects.some((object) => {
    if (!WORKLOAD_KINDS.has(object.kind)) return false;
    const replicas = (object as { spec?: { replicas?: unknown } }).spec?.replicas;
    return replicas === undefined || (typeof replicas === "number" && replicas > 0);
  });
}
