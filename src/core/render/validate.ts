// Every object Plateau writes is checked against the real Kubernetes schemas before the
// commit: a change that would not validate is refused and commits nothing.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { InputError, type InputIssue } from "../errors.js";
import type { KubeObject } from "./kube.js";
import type { CrdValidator } from "./crd-validate.js";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  "apps/v1/Deployment": Deployment as unknown as ModelClass,
  "v1/Namespace": Namespace as unknown as ModelClass,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim as unknown as ModelClass,
  "v1/Service": Service as unknown as ModelClass,
  "networking.k8s.io/v1/Ingress": Ingress as unknown as ModelClass,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy as unknown as ModelClass,
  "v1/LimitRange": LimitRange as unknown as ModelClass,
  "v1/ResourceQuota": ResourceQuota as unknown as ModelClass,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding as unknown as ModelClass,
  // The secrets plugin's: its Role in project bundles, its ConfigMaps in the Argo CD bootstrap (ADR 0022).
  "rbac.authorization.k8s.io/v1/Role": Role as unknown as ModelClass,
  "v1/ConfigMap": ConfigMap as unknown as ModelClass,
};

/** Kinds of operators' CRDs Plateau renders: checked against the real CRDs when they are given. */
const CUSTOM_KINDS = new Set([
  "route.openshift.io/v1/Route",
  "operator.victoriametrics.com/v1beta1/VMRule",
  "objectbucket.io/v1alpha1/ObjectBucketClaim",
  // ADR 0034.
  "velero.io/v1/Schedule",
  "velero.io/v1/BackupStorageLocation",
  "velero.io/v1/Restore",
]);

/**
 * Kubernetes' own kinds against `kubernetes-models`; operators' kinds (Route, Argo CD…)
 * against their real CRDs, when a validator of them is given (`schemas/`, loaded at start-up).
 */
export function validateObjects(objects: readonly KubeObject[], crds?: CrdValidator): void {
  const issues: InputIssue[] = [];
  const custom: KubeObject[] = [];
  for (const object of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    const Model = MODELS[key];
    if (!Model) {
      if (crds?.knows(object.apiVersion, object.kind)) custom.push(object);
      else if (!CUSTOM_KINDS.has(key)) issues.push({ pointer: "", rule: "kind", message: `${key} is not a kind Plateau knows how to validate` });
      continue;
    }
    try {
      // No copy of ours: the model's constructor copies the object's plain data into itself
      // (kubernetes-models' setDefinedProps), and its validator only reads that copy.
      new Model(object as never).validate();
    } catch (error) {
      const errors = (error as { errors?: { instancePath: string; message?: string; keyword: string }[] }).errors ?? [];
      for (const detail of errors.slice(0, 5)) {
        issues.push({
          pointer: detail.instancePath,
          rule: detail.keyword,
          message: `${object.kind} ${object.metadata.name}: ${detail.instancePath} ${detail.message ?? "is invalid"}`,
        });
      }
      if (errors.length === 0) issues.push({ pointer: "", rule: "schema", message: `${object.kind} ${object.metadata.name}: ${(error as Error).message}` });
    }
  }
  if (custom.length > 0 && crds) {
    try {
      crds.validate(custom);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new InputError(`rendered manifests would not validate: ${issues[0]?.message}`, issues);
}
