import { describe, expect, it } from "vitest";
import type { NoticeStore, StoredNotice } from "./notice-store.js";

const notice = (key: string, extra: Partial<StoredNotice> = {}): StoredNotice => ({
  key,
  kind: "idle-stop-planned",
  params: { instance: "demo/hello", due: "2026-12-02T12:00:00.000Z" },
  project: "demo",
  instance: "hello",
  due: "2026-12-02T12:00:00.000Z",
  action: "keep",
  createdAt: "2026-12-01T12:00:00.000Z",
  ...extra,
});

/** What every NoticeStore does: the memory one and the SQL ones (SQLite, PostgreSQL). */
export function describeNoticeStoreContract(name: string, create: () => Promise<NoticeStore>): void {
  describe(`NoticeStore contract: ${name}`, () => {
    it("keeps a notice once per key, with its recipients and deliveries", async () => {
      const store = await create();
      const deliveries = [
        { channel: "email", login: "alice", address: "alice@example.org" },
        { channel: "chat", login: "", address: "default" },
      ];
      expect(await store.add(notice("k1"), ["alice", "bob"], deliveries)).toBe(true);
      expect(await store.add(notice("k1", { kind: "other" }), ["carol"], deliveries)).toBe(false);
      expect(await store.listFor("carol", 10)).toEqual([]);
      expect(await store.listFor("alice", 10)).toEqual([{ ...notice("k1"), readAt: null }]);
      const due = await store.dueDeliveries("2026-12-01T12:00:00.000Z", 10);
      expect(due.map((delivery) => [delivery.channel, delivery.login, delivery.address, delivery.attempts, delivery.notice.key])).toEqual([
        ["chat", "", "default", 0, "k1"],
        ["email", "alice", "alice@example.org", 0, "k1"],
      ]);
    });

    it("keeps a notice without instance, due or action", async () => {
      const store = await create();
      const { instance: _i, due: _d, action: _a, ...bare } = notice("k2");
      await store.add(bare, ["alice"], []);
      expect(await store.listFor("alice", 10)).toEqual([{ ...bare, readAt: null }]);
    });

    it("lists a person's notices newest first, and marks only theirs read", async () => {
      const store = await create();
      await store.add(notice("old", { createdAt: "2026-12-01T10:00:00.000Z" }), ["alice"], []);
      await store.add(notice("new", { createdAt: "2026-12-01T11:00:00.000Z" }), ["alice", "bob"], []);
      expect((await store.listFor("alice", 10)).map((n) => n.key)).toEqual(["new", "old"]);
      expect((await store.listFor("alice", 1)).map((n) => n.key)).toEqual(["new"]);
      expect(await store.markRead("bob", ["old", "new"], "2026-12-01T12:00:00.000Z")).toBe(1);
      expect(await store.markRead("bob", ["new"], "2026-12-01T13:00:00.000Z")).toBe(0);
      expect((await store.listFor("bob", 10))[0]?.readAt).toBe("2026-12-01T12:00:00.000Z");
      expect((await store.listFor("alice", 10)).map((n) => n.readAt)).toEqual([null, null]);
    });

    it("retries a failed delivery when due, forgets a delivered or given-up one", async () => {
      const store = await create();
      await store.add(
        notice("k3"),
        ["alice"],
        [
          { channel: "email", login: "alice", address: "a@example.org" },
          { channel: "email", login: "bob", address: "b@example.org" },
        ],
      );
      const [first, second] = await store.dueDeliveries("2026-12-01T12:00:00.000Z", 10);
      await store.delivered(first?.id ?? "", "2026-12-01T12:00:01.000Z");
      await store.failed(second?.id ?? "", "connection refused", "2026-12-01T12:05:00.000Z");
      expect(await store.dueDeliveries("2026-12-01T12:01:00.000Z", 10)).toEqual([]);
      const again = await store.dueDeliveries("2026-12-01T12:05:00.000Z", 10);
      expect(again.map((delivery) => [delivery.address, delivery.attempts])).toEqual([["b@example.org", 1]]);
      await store.failed(again[0]?.id ?? "", "still refused", null);
      expect(await store.dueDeliveries("2027-01-01T00:00:00.000Z", 10)).toEqual([]);
    });
  });
}
