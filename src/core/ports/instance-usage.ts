// What the pods of a platform Plateau runs itself (the local podman platform) use now, as the
// engine reads it: the local platform's own cAdvisor and kube-state-metrics (docs/metrics.md).

/** CPU in cores, memory in bytes, GPUs as a count: what a container asks (requests) or may use at most (limits). */
export interface ResourceAmounts {
  readonly cpu?: number;
  readonly memory?: number;
  readonly gpu?: number;
}

export interface ContainerUsage {
  /** The component: the container's name in the instance's manifests. */
  readonly container: string;
  /** CPU time used since the container started, in seconds (cumulative). */
  readonly cpuSeconds: number;
  /** Memory in use less what the kernel can reclaim at once (inactive file pages), in bytes: cAdvisor's working set. */
  readonly memoryWorkingSetBytes: number;
  /** How often the engine restarted it. */
  readonly restarts: number;
  readonly running: boolean;
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

export interface VolumeUsage {
  /** The PersistentVolumeClaim's name in the instance's manifests. */
  readonly claim: string;
  readonly usedBytes: number;
}

export interface PodUsage {
  readonly project: string;
  readonly instance: string;
  /** The pod's name, as the engine names it. */
  readonly pod: string;
  /** Every container of the pod runs. */
  readonly ready: boolean;
  /** Bytes received and sent by the pod's network namespace (cumulative). */
  readonly networkReceiveBytes: number;
  readonly networkTransmitBytes: number;
  readonly containers: readonly ContainerUsage[];
}

export interface InstanceUsage {
  readonly pods: readonly PodUsage[];
  /** Volumes of this platform's instances, running or stopped, by project and instance. */
  readonly volumes: readonly (VolumeUsage & { readonly project: string; readonly instance: string })[];
}

/** Reads the usage of every pod of the platform at once; rejects when the engine does not answer. */
export interface InstanceUsageSource {
  read(): Promise<InstanceUsage>;
}
