// Notices to a Mattermost-compatible incoming webhook: `POST {"text": …}`. The address of a
// delivery is a channel's name; its URL comes from the configuration (an environment variable).
import type { NoticeChannel } from "../../core/notify/service.js";

export function createChatWebhookChannel(urls: ReadonlyMap<string, string>, timeoutMs = 10_000): NoticeChannel {
  return {
    name: "chat",
    async send(message, channel) {
      const url = urls.get(channel);
      if (!url) throw new Error(`no chat webhook is configured for ${channel}`);
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: `**${message.subject}**\n\n${message.text}` }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The webhook's answer is not read beyond its status: it is no part of the notice.
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the chat webhook ${channel} answered ${response.status}`);
    },
  };
}
