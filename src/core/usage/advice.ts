// Right-sizing: what an instance should request, from what it used. The advice is the 95th
// percentile of its usage over the window plus 20 % headroom, rounded up to a step a person
// reads (50 millicores of CPU, 64 MiB of memory), never below a floor (100 millicores,
// 128 MiB); the saving is what it requests now minus the advice (negative: it needs more).

export const HEADROOM = 0.2;
export const CPU_STEP_MILLICORES = 50;
export const CPU_FLOOR_MILLICORES = 100;
export const MEMORY_STEP_MIB = 64;
export const MEMORY_FLOOR_MIB = 128;
/** The hours of a month, as savings are said per month (30 days). */
export const HOURS_PER_MONTH = 720;
export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/** Rounded up to a multiple of step, after forgetting the float noise of a division (2.0000000001 steps are 2). */
export function roundUpTo(value: number, step: number): number {
  return Math.ceil(Math.round((value / step) * 1e6) / 1e6) * step;
}

export interface ResourceAdvice {
  /** Millicores. */
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

export interface Advice extends ResourceAdvice {
  /** What it requests now (millicores, MiB). */
  readonly current: ResourceAdvice;
  /** Requested minus advised: cores and GiB, and core-hours and GiB-hours over a month. */
  readonly saving: { readonly cores: number; readonly memoryGiB: number; readonly coreHoursPerMonth: number; readonly gibHoursPerMonth: number };
}

/** The advice from the 95th percentiles of usage (cores, bytes) and what it requests now (cores, bytes). */
export function adviceOf(p95: { readonly cores: number; readonly bytes: number }, requested: { readonly cores: number; readonly bytes: number }): Advice {
  const cpuMillicores = Math.max(CPU_FLOOR_MILLICORES, roundUpTo(p95.cores * 1000 * (1 + HEADROOM), CPU_STEP_MILLICORES));
  const memoryMiB = Math.max(MEMORY_FLOOR_MIB, roundUpTo((p95.bytes / MIB) * (1 + HEADROOM), MEMORY_STEP_MIB));
  const current = { cpuMillicores: Math.round(requested.cores * 1000), memoryMiB: Math.round(requested.bytes / MIB) };
  const savedMillicores = current.cpuMillicores - cpuMillicores;
  const savedMiB = current.memoryMiB - memoryMiB;
  return {
    cpuMillicores,
    memoryMiB,
    current,
    saving: {
      cores: savedMillicores / 1000,
      memoryGiB: savedMiB / 1024,
      coreHoursPerMonth: (savedMillicores * HOURS_PER_MONTH) / 1000,
      gibHoursPerMonth: (savedMiB * HOURS_PER_MONTH) / 1024,
    },
  };
}

/** Kubernetes quantities of an advice: `250m`, `1536Mi`. */
export const cpuQuantity = (millicores: number): string => (millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`);
export const memoryQuantity = (mib: number): string => (mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`);
