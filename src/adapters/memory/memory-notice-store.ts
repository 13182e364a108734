// Notices in memory, for tests and throw-away runs; it passes the same contract suite as the SQL ones.
import type { NoticeDelivery, NoticeStore, ReceivedNotice, StoredNotice } from "../../core/ports/notice-store.js";

interface Outbox extends Omit<NoticeDelivery, "attempts"> {
  attempts: number;
  nextAt: string | null;
  done: boolean;
}

export function createMemoryNoticeStore(): NoticeStore {
  const notices = new Map<string, StoredNotice>();
  const received = new Map<string, Map<string, string | null>>();
  const outbox: Outbox[] = [];
  return {
    async add(notice, recipients, deliveries) {
      if (notices.has(notice.key)) return false;
      notices.set(notice.key, structuredClone(notice));
      received.set(notice.key, new Map(recipients.map((login) => [login, null])));
      for (const delivery of deliveries) {
        outbox.push({
          ...delivery,
          id: `${notice.key}|${delivery.channel}|${delivery.login}|${delivery.address}`,
          key: notice.key,
          attempts: 0,
          nextAt: notice.createdAt,
          done: false,
        });
      }
      return true;
    },
    async listFor(login, limit) {
      const mine: ReceivedNotice[] = [];
      for (const [key, people] of received) {
        const notice = notices.get(key);
        if (notice && people.has(login)) mine.push({ ...structuredClone(notice), readAt: people.get(login) ?? null });
      }
      return mine.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.key.localeCompare(b.key)).slice(0, limit);
    },
    async markRead(login, keys, at) {
      let count = 0;
      for (const key of new Set(keys)) {
        const people = received.get(key);
        if (people?.has(login) && people.get(login) === null) {
          people.set(login, at);
          count++;
        }
      }
      return count;
    },
    async dueDeliveries(now, limit) {
      return outbox
        .filter((delivery) => !delivery.done && delivery.nextAt !== null && delivery.nextAt <= now)
        .sort((a, b) => (a.nextAt ?? "").localeCompare(b.nextAt ?? "") || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map(({ nextAt: _n, done: _d, ...delivery }) => ({ ...delivery, notice: structuredClone(notices.get(delivery.key) as StoredNotice) }));
    },
    async delivered(id) {
      const delivery = outbox.find((candidate) => candidate.id === id);
      if (delivery) delivery.done = true;
    },
    async failed(id, _error, nextAt) {
      const delivery = outbox.find((candidate) => candidate.id === id);
      if (!delivery) return;
      delivery.attempts++;
      delivery.nextAt = nextAt;
    },
  };
}
