import { describe, expect, it } from "vitest";
import { UnavailableError } from "../errors.js";
import type { Leadership, WriteLock } from "./coordination.js";

/** One replica's side of the coordination, and a way to make it vanish as a kill -9 does. */
export interface ContractReplica {
  readonly writeLock: WriteLock;
  readonly leadership: Leadership;
  /** What a killed process leaves: its locks go with it, and its handles fail from now on. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

/** Replicas of one installation (the same store). */
export interface ContractSite {
  replica(id: string, options?: { readonly lockTimeoutMs?: number }): Promise<ContractReplica>;
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every coordination does: the memory one and PostgreSQL's advisory locks (ADR 0040). */
export function describeCoordinationContract(name: string, createSite: () => Promise<ContractSite>): void {
  describe(`Coordination contract: ${name}`, () => {
    it("lets one replica write at a time", async () => {
      const site = await createSite();
      try {
        const replicas = await Promise.all(["a", "b", "c"].map((id) => site.replica(id)));
        const trace: string[] = [];
        let inside = 0;
        let most = 0;
        await Promise.all(
          replicas.flatMap((replica, r) =>
            [0, 1, 2].map((n) =>
              replica.writeLock.run(async (fence) => {
                inside++;
                most = Math.max(most, inside);
                trace.push(`${r}.${n}`);
                await pause(5);
                await fence.check();
                inside--;
              }),
            ),
          ),
        );
        expect(most).toBe(1);
        expect(trace).toHaveLength(9);
        await Promise.all(replicas.map((replica) => replica.close()));
      } finally {
        await site.close();
      }
    });

    it("gives up waiting after the lock's timeout, with a reason a client retries on", async () => {
      const site = await createSite();
      try {
        const holder = await site.replica("holder");
        const waiter = await site.replica("waiter", { lockTimeoutMs: 200 });
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => (entered = resolve));
        const holding = holder.writeLock.run(async () => {
          entered();
          await held;
        });
        await inside;
        const refused = await waiter.writeLock.run(async () => "ran").catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(UnavailableError);
        expect((refused as UnavailableError).reason).toBe("write-lock-timeout");
        release();
        await holding;
        expect(await waiter.writeLock.run(async () => "ran")).toBe("ran");
        await holder.close();
        await waiter.close();
      } finally {
        await site.close();
      }
    });

    it("releases the write lock when the work fails", async () => {
      const site = await createSite();
      try {
        const replica = await site.replica("a", { lockTimeoutMs: 2000 });
        await expect(replica.writeLock.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
        expect(await replica.writeLock.run(async () => 42)).toBe(42);
        await replica.close();
      } finally {
        await site.close();
      }
    });

    it("elects one leader; another takes over when it lets go, and the epoch grows", async () => {
      const site = await createSite();
      try {
        const a = await site.replica("a");
        const b = await site.replica("b");
        expect(await a.leadership.leader()).toBeNull();
        const polls = await Promise.all([a.leadership.poll(), b.leadership.poll()]);
        expect(polls.filter(Boolean)).toHaveLength(1);
        const [first, second] = polls[0] ? [a, b] : [b, a];
        expect(first.leadership.isLeader()).toBe(true);
        expect(second.leadership.isLeader()).toBe(false);
        expect(await first.leadership.poll()).toBe(true);
        expect(await second.leadership.poll()).toBe(false);
        const before = await first.leadership.leader();
        expect(before?.replicaId).toBe(first.leadership.replicaId);
        await first.leadership.release();
        expect(first.leadership.isLeader()).toBe(false);
        expect(await second.leadership.poll()).toBe(true);
        const after = await second.leadership.leader();
        expect(after?.replicaId).toBe(second.leadership.replicaId);
        expect(after?.epoch).toBeGreaterThan(before?.epoch ?? Infinity);
        await a.close();
        await b.close();
      } finally {
        await site.close();
      }
    });

    it("a crashed replica loses both locks: the others go on, its fence refuses", async () => {
      const site = await createSite();
      try {
        const doomed = await site.replica("doomed");
        const survivor = await site.replica("survivor", { lockTimeoutMs: 5000 });
        expect(await doomed.leadership.poll()).toBe(true);
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => (entered = resolve));
        let crashed!: () => void;
        const afterCrash = new Promise<void>((resolve) => (crashed = resolve));
        const stale = doomed.writeLock
          .run(async (fence) => {
            entered();
            await afterCrash;
            await fence.check();
            return "committed";
          })
          .catch((error: unknown) => error);
        await inside;
        await doomed.crash();
        crashed();
        const refused = await stale;
        expect(refused).toBeInstanceOf(UnavailableError);
        expect((refused as UnavailableError).reason).toBe("write-lock-lost");
        expect(await survivor.writeLock.run(async () => "written")).toBe("written");
        let leads = false;
        for (let i = 0; i < 50 && !leads; i++) {
          leads = await survivor.leadership.poll();
          if (!leads) await pause(100);
        }
        expect(leads).toBe(true);
        expect((await survivor.leadership.leader())?.replicaId).toBe("survivor");
        await survivor.close();
      } finally {
        await site.close();
      }
    });
  });
}
