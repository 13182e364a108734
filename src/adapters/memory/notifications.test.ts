import { describe, expect, it } from "vitest";
import { createMemoryNoticeStore } from "./memory-notice-store.js";
import { createFakeClock } from "../../core/testing/fake-clock.js";
import { createNotifications, type NoticeChannel } from "../../core/notify/service.js";

const draft = {
  key: "k1",
  kind: "idle-stop-planned",
  params: { instance: "demo/hello", due: "2026-03-02T09:00:00.000Z" },
  project: "demo",
  instance: "hello",
  action: "keep",
};

function harness(failures = 0) {
  const clock = createFakeClock("2026-03-01T09:00:00.000Z");
  const sent: { channel: string; address: string; subject: string }[] = [];
  let failing = failures;
  const channel = (name: "email" | "chat"): NoticeChannel => ({
    name,
    async send(message, address) {
      if (failing-- > 0) throw new Error("connection refused");
      sent.push({ channel: name, address, subject: message.subject });
    },
  });
  const notifications = createNotifications({
    store: createMemoryNoticeStore(),
    audienceOf: async () => ({ logins: ["alice", "carol", "alice"], lab: "imb" }),
    usersByLogin: async (logins) => logins.filter((login) => login !== "carol").map((login) => ({ login, email: `${login}@example.org` })),
    email: channel("email"),
    chat: channel("chat"),
    chatChannelOf: (lab) => (lab === "imb" ? "lab:imb" : "default"),
    links: { instancePage: (project, instance) => `/projects/${project}/instances/${instance}` },
    clock,
  });
  return { notifications, sent, clock };
}

describe("the notification service", () => {
  it("delivers a notice once per key to the people's e-mail and their lab's chat; lists it for them only", async () => {
    const { notifications, sent } = harness();
    await notifications.publish(draft);
    await notifications.publish(draft);
    expect(await notifications.deliver()).toEqual({ delivered: 2, failed: 0 });
    expect(await notifications.deliver()).toEqual({ delivered: 0, failed: 0 });
    expect(sent.map(({ channel, address }) => `${channel} ${address}`).sort()).toEqual(["chat lab:imb", "email alice@example.org"]);
    expect((await notifications.list("carol")).map((notice) => notice.key)).toEqual(["k1"]);
    expect(await notifications.list("bob")).toEqual([]);
  });

  it("tries a failed delivery again after a backoff, not before", async () => {
    const { notifications, sent, clock } = harness(1);
    await notifications.publish(draft);
    expect(await notifications.deliver()).toEqual({ delivered: 1, failed: 1 });
    expect(await notifications.deliver()).toEqual({ delivered: 0, failed: 0 });
    await clock.advance(60_000);
    expect(await notifications.deliver()).toEqual({ delivered: 1, failed: 0 });
    expect(sent).toHaveLength(2);
  });
});
