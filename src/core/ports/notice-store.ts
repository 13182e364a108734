// Where notices are kept (ADR 28): each once per key, who receives it (and whether they read
// it in the portal), and an outbox of deliveries to the channels (e-mail, chat), retried until
// delivered or given up. Not desired state: the database's.
import type { NoticeDraft } from "../notify/notice.js";

export interface StoredNotice extends NoticeDraft {
  readonly createdAt: string;
}

/** A notice as one of its recipients lists it in the portal. */
export interface ReceivedNotice extends StoredNotice {
  readonly readAt: string | null;
}

/** One delivery of the outbox: a notice to one address of one channel. */
export interface NoticeDelivery {
  readonly id: string;
  readonly key: string;
  /** `email`, or `chat` (a webhook named by `address`'s setting). */
  readonly channel: string;
  /** The login it is for (empty for a chat channel). */
  readonly login: string;
  /** The e-mail address, or the chat channel's name in the configuration. */
  readonly address: string;
  readonly attempts: number;
}

export interface NoticeStore {
  /**
   * Keeps a notice, its recipients and its deliveries, all or nothing, once per key: false
   * when the key was kept before (nothing is changed then: a notice published again delivers nothing new).
   */
  add(
    notice: StoredNotice,
    recipients: readonly string[],
    deliveries: readonly { readonly channel: string; readonly login: string; readonly address: string }[],
  ): Promise<boolean>;
  /** The notices of one person, newest first: never another person's. */
  listFor(login: string, limit: number): Promise<ReceivedNotice[]>;
  /** Marks some of a person's notices read; how many were theirs and unread. */
  markRead(login: string, keys: readonly string[], at: string): Promise<number>;
  /** Deliveries to try now (due, neither delivered nor given up), oldest first, with their notice. */
  dueDeliveries(now: string, limit: number): Promise<(NoticeDelivery & { readonly notice: StoredNotice })[]>;
  delivered(id: string, at: string): Promise<void>;
  /** A failed attempt: tried again at `nextAt`, or never when null (given up). */
  failed(id: string, error: string, nextAt: string | null): Promise<void>;
}
