// One change of a platform's keys at a time, within this Plateau: the reconciler's revocation of
// stray keys must not see a key made a moment ago and not yet recorded (a rotation, temporary
// credentials). One replica runs these (the scheduler's `one-replica` tasks), so a lock in memory is enough.

export interface PlatformLocks {
  /** Runs `work` once no other work of this platform runs, then lets the next one in. */
  run<T>(platform: string, work: () => Promise<T>): Promise<T>;
}

export function createPlatformLocks(): PlatformLocks {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(platform, work) {
      const previous = tails.get(platform) ?? Promise.resolve();
      const result = previous.then(work, work);
      const tail = result.catch(() => undefined);
      tails.set(platform, tail);
      void tail.then(() => {
        if (tails.get(platform) === tail) tails.delete(platform);
      });
      return result;
    },
  };
}
