// Followed logs, shared: one follower process per pod, whatever the number of people following
// its logs, fanned out to each of them and ended when the last one leaves. A `podman logs
// --follow` costs megabytes of memory; a viewer costs a queue of lines.

/** A running follower: lines as they come (without their newline), then its end. */
export interface FollowerSource {
  stop(): void;
}
export type StartFollower = (onLine: (line: string) => void, onEnd: () => void) => FollowerSource;

/** One person's view of a followed log: batches of lines until the follower ends or they leave. */
export interface Viewer extends AsyncIterable<readonly string[]> {
  close(): void;
}

export interface LogFanout {
  /** Joins the follower of `key`, starting it (with `start`) when none runs. */
  join(key: string, start: StartFollower): Viewer;
  /** How many follower processes run now. */
  followers(): number;
  /** How many viewers they have. */
  viewers(): number;
}

/** A viewer further behind than this many lines, or characters, is dropped (its stream ends with a note): memory stays bounded. */
export const MAX_QUEUED_LINES = 10_000;
// Lines are up to 16 KiB (MAX_LOG_LINE): by lines alone, a viewer could hold 160 MiB.
export const MAX_QUEUED_CHARS = 4 * 1024 * 1024;
export const BEHIND_NOTE = "(Plateau: this log stream fell too far behind and was ended; follow it again)";

interface ViewerState {
  queue: string[];
  queuedChars: number;
  ended: boolean;
  wake: (() => void) | undefined;
}

interface Follower {
  readonly viewers: Set<ViewerState>;
  source: FollowerSource | undefined;
}

export function createLogFanout(options: { maxQueuedLines?: number; maxQueuedChars?: number } = {}): LogFanout {
  const maxQueued = options.maxQueuedLines ?? MAX_QUEUED_LINES;
  const maxQueuedChars = options.maxQueuedChars ?? MAX_QUEUED_CHARS;
  const followers = new Map<string, Follower>();
  let running = 0;

  const end = (viewer: ViewerState) => {
    viewer.ended = true;
    viewer.wake?.();
  };

  function leave(key: string, follower: Follower, viewer: ViewerState): void {
    end(viewer);
    if (!follower.viewers.delete(viewer) || follower.viewers.size > 0) return;
    // The last viewer left: the follower goes (a later viewer starts another).
    if (followers.get(key) === follower) followers.delete(key);
    follower.source?.stop();
  }

  return {
    join(key, start) {
      let follower = followers.get(key);
      const viewer: ViewerState = { queue: [], queuedChars: 0, ended: false, wake: undefined };
      if (!follower) {
        const created: Follower = { viewers: new Set([viewer]), source: undefined };
        follower = created;
        followers.set(key, created);
        running++;
        let over = false;
        const ended = () => {
          if (over) return;
          over = true;
          running--;
          if (followers.get(key) === created) followers.delete(key);
          for (const each of created.viewers) end(each);
          created.viewers.clear();
        };
        try {
          created.source = start((line) => {
            for (const each of created.viewers) {
              if (each.queue.length >= maxQueued || each.queuedChars + line.length > maxQueuedChars) {
                each.queue.push(BEHIND_NOTE);
                leave(key, created, each);
                continue;
              }
              each.queue.push(line);
              each.queuedChars += line.length;
              each.wake?.();
            }
          }, ended);
        } catch (error) {
          ended();
          throw error;
        }
      } else {
        follower.viewers.add(viewer);
      }
      const joined = follower;
      return {
        close: () => leave(key, joined, viewer),
        async *[Symbol.asyncIterator]() {
          try {
            for (;;) {
              if (viewer.queue.length > 0) {
                const batch = viewer.queue;
                viewer.queue = [];
                viewer.queuedChars = 0;
                yield batch;
                continue;
              }
              if (viewer.ended) return;
              await new Promise<void>((resolve) => (viewer.wake = resolve));
              viewer.wake = undefined;
            }
          } finally {
            leave(key, joined, viewer);
          }
        },
      };
    },
    followers: () => running,
    viewers: () => [...followers.values()].reduce((sum, follower) => sum + follower.viewers.size, 0),
  };
}
