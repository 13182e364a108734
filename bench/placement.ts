// B3: placement. 20,000 instances placed one after another over 10 platforms of 20 pools
// each. Ours keeps what runs where as running totals and asks `place()` once per instance;
// the brute-force baseline recomputes every platform's usage, the project's affinity and the
// lab's spread from all the instances placed so far, before each decision. Both must decide
// identically; we report decisions per second and the speed-up.
import { API_VERSION, type PlatformDocument, type Pool } from "../src/core/model.js";
import { seededRandom } from "../test/support/random.js";
import { place, type PlacementRequest, type PlatformCandidate, type PodAsk } from "../src/core/placement/place.js";
import { median, ms, ratio, type Row } from "./stats.js";

const INSTANCES = 20_000;
const PLATFORMS = 10;
const POOLS = 20;

function community(): PlatformDocument[] {
  const next = seededRandom(7);
  return Array.from({ length: PLATFORMS }, (_, p): PlatformDocument => {
    const pools: Pool[] = Array.from({ length: POOLS }, (_, i) => ({
      name: `pool-${i}`,
      nodes: 4 + Math.floor(next() * 20),
      cpu: [16, 32, 64][i % 3] as number,
      memoryGiB: [64, 128, 512, 1024][i % 4] as number,
      ...(i % 5 === 0 ? { gpu: { type: i % 10 === 0 ? "A100" : "V100", count: 4 } } : {}),
    }));
    return {
      apiVersion: API_VERSION,
      kind: "Platform",
      metadata: { name: `platform-${p}` },
      spec: {
        title: `Platform ${p}`,
        engine: "argocd",
        infrastructure: { type: p % 2 ? "openstack" : "bare-metal" },
        site: `site-${p % 3}`,
        tier: p < 2 ? "institutional" : "experimental",
        flavour: p % 2 ? "kubernetes" : "openshift",
        domain: `apps.p${p}.example.org`,
        pools,
      },
    };
  });
}

interface Job {
  readonly project: string;
  readonly lab: string;
  readonly request: PlacementRequest;
}

function jobs(): Job[] {
  const next = seededRandom(11);
  const sizes: PodAsk[] = [
    { cpu: 0.5, memoryGiB: 1, gpu: 0 },
    { cpu: 1, memoryGiB: 4, gpu: 0 },
    { cpu: 2, memoryGiB: 8, gpu: 0 },
    { cpu: 4, memoryGiB: 16, gpu: 1 },
    { cpu: 8, memoryGiB: 256, gpu: 0 },
  ];
  return Array.from({ length: INSTANCES }, () => {
    // One instance in twenty wants a GPU, one in twenty big memory; the rest are notebooks and sites.
    const draw = next();
    const pod = (draw < 0.05 ? sizes[3] : draw < 0.1 ? sizes[4] : sizes[Math.floor(next() * 3)]) as PodAsk;
    const project = Math.floor(next() * 500);
    return {
      project: `project-${project}`,
      lab: `lab-${project % 50}`,
      request: { asks: { ...pod, storageGiB: 5 }, largestPod: pod, ...(project % 10 === 0 ? { tiers: ["institutional" as const] } : {}) },
    };
  });
}

interface Placed {
  readonly platform: string;
  readonly project: string;
  readonly lab: string;
  readonly pod: PodAsk;
}

/** The chosen platform, or "(refused)" when none can take it (a decision too: both must agree). */
function decide(request: PlacementRequest, candidates: readonly PlatformCandidate[]): string {
  try {
    return place(request, candidates).platform;
  } catch {
    return "(refused)";
  }
}

/** Running totals, updated after each decision. */
function ours(platforms: readonly PlatformDocument[], work: readonly Job[]): string[] {
  const used = new Map(platforms.map((platform) => [platform.metadata.name, { cpu: 0, memoryGiB: 0, gpu: 0 }]));
  const perProject = new Map<string, number>();
  const perLab = new Map<string, number>();
  const decisions: string[] = [];
  for (const job of work) {
    const candidates = platforms.map((platform): PlatformCandidate => {
      const name = platform.metadata.name;
      return {
        platform,
        supported: true,
        available: true,
        used: used.get(name),
        projectInstances: perProject.get(`${name}/${job.project}`) ?? 0,
        labInstances: perLab.get(`${name}/${job.lab}`) ?? 0,
      };
    });
    const chosen = decide(job.request, candidates);
    decisions.push(chosen);
    const total = used.get(chosen);
    if (!total) continue;
    const pod = job.request.largestPod as PodAsk;
    used.set(chosen, { cpu: total.cpu + pod.cpu, memoryGiB: total.memoryGiB + pod.memoryGiB, gpu: total.gpu + pod.gpu });
    perProject.set(`${chosen}/${job.project}`, (perProject.get(`${chosen}/${job.project}`) ?? 0) + 1);
    perLab.set(`${chosen}/${job.lab}`, (perLab.get(`${chosen}/${job.lab}`) ?? 0) + 1);
  }
  return decisions;
}

/** Everything recomputed from all placed instances before each decision. */
function bruteForce(platforms: readonly PlatformDocument[], work: readonly Job[]): string[] {
  const placed: Placed[] = [];
  for (const job of work) {
    const candidates = platforms.map((platform): PlatformCandidate => {
      const name = platform.metadata.name;
      const here = { cpu: 0, memoryGiB: 0, gpu: 0 };
      let projectInstances = 0;
      let labInstances = 0;
      for (const instance of placed) {
        if (instance.platform !== name) continue;
        here.cpu += instance.pod.cpu;
        here.memoryGiB += instance.pod.memoryGiB;
        here.gpu += instance.pod.gpu;
        if (instance.project === job.project) projectInstances++;
        if (instance.lab === job.lab) labInstances++;
      }
      return { platform, supported: true, available: true, used: here, projectInstances, labInstances };
    });
    const chosen = decide(job.request, candidates);
    placed.push({ platform: chosen, project: job.project, lab: job.lab, pod: job.request.largestPod as PodAsk });
  }
  return placed.map((instance) => instance.platform);
}

export async function benchPlacement(log: (line: string) => void): Promise<Row[]> {
  const platforms = community();
  const work = jobs();
  const oursTimes: number[] = [];
  let decisions: string[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    decisions = ours(platforms, work);
    oursTimes.push(performance.now() - start);
  }
  const start = performance.now();
  const baseline = bruteForce(platforms, work);
  const bruteTime = performance.now() - start;
  const identical = baseline.length === decisions.length && baseline.every((platform, i) => platform === decisions[i]);
  if (!identical) throw new Error("B3: the brute-force baseline decided differently");
  const oursTime = median(oursTimes);
  const perSecond = Math.round((INSTANCES / oursTime) * 1000);
  const spread = new Map<string, number>();
  for (const platform of decisions) spread.set(platform, (spread.get(platform) ?? 0) + 1);
  log(`  B3 ${INSTANCES} decisions: ours ${ms(oursTime)} ms (${perSecond}/s), brute force ${ms(bruteTime)} ms; identical decisions`);
  log(`  B3 instances per platform: ${[...spread].map(([platform, count]) => `${platform} ${count}`).join(", ")}`);
  return [
    {
      name: `B3 placement, ${INSTANCES.toLocaleString("en")} instances over ${PLATFORMS} platforms × ${POOLS} pools`,
      ours: `${perSecond.toLocaleString("en")} decisions/s (${ms(oursTime)} ms)`,
      baseline: `${ms(bruteTime)} ms (brute force, identical decisions)`,
      ratio: ratio(oursTime / bruteTime),
      target: "≥ 10,000 decisions/s",
      met: perSecond >= 10_000,
    },
  ];
}
