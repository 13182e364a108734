// The notification service (ADR 28): what features publish (PublishNotice) becomes one notice
// per key, for the people concerned — the project's owners and editors, by login — listed in
// the portal, and an outbox of deliveries (e-mail to each of them, the chat webhook of the
// project's lab or the default one), tried until delivered, with backoff: at least once, and
// once per key.
import type { UserRecord } from "../ports/access-store.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { NoticeStore, ReceivedNotice } from "../ports/notice-store.js";
import type { NoticeDraft, PublishNotice } from "./notice.js";
import { wordNotice, type NoticeLanguage, type NoticeLinks, type WordedNotice } from "./wording.js";

/** A way to reach people: e-mail (one message per address) or a chat webhook (one per channel name). */
export interface NoticeChannel {
  readonly name: "email" | "chat";
  send(message: WordedNotice, address: string): Promise<void>;
}

export interface NotificationDeps {
  readonly store: NoticeStore;
  /** Who receives the notices of a project: its owners' and editors' logins, and its lab. */
  readonly audienceOf: (project: string) => Promise<{ readonly logins: readonly string[]; readonly lab: string | null }>;
  /** People's e-mail addresses and languages (the access store's users). */
  readonly usersByLogin: (logins: readonly string[]) => Promise<readonly Pick<UserRecord, "login" | "email">[]>;
  readonly email?: NoticeChannel;
  readonly chat?: NoticeChannel;
  /** The chat channel a lab's notices go to (its own webhook), or undefined for the default one; null: none. */
  readonly chatChannelOf?: (lab: string | null) => string | null;
  readonly links: NoticeLinks;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Attempts before a delivery is given up (default 8: over about 4 h with the backoff). */
  readonly maxAttempts?: number;
  /** A person's language when known. */
  readonly languageOf?: (login: string) => NoticeLanguage | undefined;
}

export interface Notifications {
  readonly publish: PublishNotice;
  /** The caller's own notices, newest first. */
  list(login: string, limit?: number): Promise<ReceivedNotice[]>;
  markRead(login: string, keys: readonly string[]): Promise<number>;
  /** Tries the deliveries that are due; what it did. */
  deliver(): Promise<{ delivered: number; failed: number }>;
}

const BACKOFF_MS = [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000];

export function createNotifications(deps: NotificationDeps): Notifications {
  const maxAttempts = deps.maxAttempts ?? 8;
  const channels = new Map<string, NoticeChannel>([
    ...(deps.email ? [["email", deps.email] as const] : []),
    ...(deps.chat ? [["chat", deps.chat] as const] : []),
  ]);
  return {
    async publish(draft: NoticeDraft) {
      const audience = await deps.audienceOf(draft.project);
      const logins = [...new Set(audience.logins)].sort();
      const deliveries: { channel: string; login: string; address: string }[] = [];
      if (deps.email) {
        for (const user of await deps.usersByLogin(logins))
          if (user.email.includes("@")) deliveries.push({ channel: "email", login: user.login, address: user.email });
      }
      const chat = deps.chat ? (deps.chatChannelOf?.(audience.lab) ?? "default") : null;
      if (chat !== null) deliveries.push({ channel: "chat", login: "", address: chat });
      await deps.store.add({ ...draft, createdAt: deps.clock.now().toISOString() }, logins, deliveries);
    },

    list: (login, limit = 100) => deps.store.listFor(login, limit),

    markRead: (login, keys) => deps.store.markRead(login, keys, deps.clock.now().toISOString()),

    async deliver() {
      let delivered = 0;
      let failed = 0;
      const now = deps.clock.now();
      for (const delivery of await deps.store.dueDeliveries(now.toISOString(), 100)) {
        const channel = channels.get(delivery.channel);
        try {
          if (!channel) throw new Error(`no ${delivery.channel} channel is configured`);
          const language = delivery.login ? deps.languageOf?.(delivery.login) : undefined;
          await channel.send(wordNotice(delivery.notice, deps.links, language), delivery.address);
          await deps.store.delivered(delivery.id, deps.clock.now().toISOString());
          delivered++;
        } catch (error) {
          failed++;
          const attempts = delivery.attempts + 1;
          const wait = BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)] ?? 3_600_000;
          const next = attempts >= maxAttempts ? null : new Date(now.getTime() + wait).toISOString();
          await deps.store.failed(delivery.id, (error as Error).message, next);
          deps.logger?.warn(
            { notice: delivery.key, channel: delivery.channel, attempts, error: (error as Error).message },
            next ? "a notice could not be delivered; tried again later" : "a notice could not be delivered; given up",
          );
        }
      }
      return { delivered, failed };
    },
  };
}
