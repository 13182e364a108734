// Idle reclaim's and notifications' wiring (ADR 28): the channels of the configuration, with
// their secrets from the environment variables it names, and each platform's metrics source.
import { createChatWebhookChannel } from "../adapters/notify/chat-webhook.js";
import { createSmtpChannel } from "../adapters/notify/smtp.js";
import type { NoticeChannel } from "../core/notify/service.js";
import type { NoticeLinks } from "../core/notify/wording.js";
import type { Config } from "./config.js";

/** The channels notices are delivered by, and which chat channel a lab's notices go to. */
export function noticeChannels(
  config: Config,
  env: NodeJS.ProcessEnv,
): { channels: { email?: NoticeChannel; chat?: NoticeChannel }; chatChannelOf: (lab: string | null) => string | null } {
  const { email, chat } = config.notifications;
  const urls = new Map<string, string>();
  const defaultUrl = chat?.urlEnv ? env[chat.urlEnv] : undefined;
  if (defaultUrl) urls.set("default", defaultUrl);
  for (const [lab, variable] of Object.entries(chat?.labs ?? {})) {
    const url = env[variable];
    if (url) urls.set(`lab:${lab}`, url);
  }
  const channels = {
    ...(email
      ? {
          email: createSmtpChannel({
            host: email.host,
            port: email.port,
            from: email.from,
            security: email.security,
            ...(email.userEnv && env[email.userEnv]
              ? { user: env[email.userEnv] as string, password: (email.passwordEnv && env[email.passwordEnv]) || "" }
              : {}),
          }),
        }
      : {}),
    ...(urls.size > 0 ? { chat: createChatWebhookChannel(urls) } : {}),
  };
  // A lab with its own webhook gets its notices there only; the others go to the default one, if any.
  const chatChannelOf = (lab: string | null) => (lab !== null && urls.has(`lab:${lab}`) ? `lab:${lab}` : urls.has("default") ? "default" : null);
  return { channels, chatChannelOf };
}

/** Links in notices: the instance's page in the portal. */
export const noticeLinks = (origin: string): NoticeLinks => ({
  instancePage: (project, instance) => `${origin.replace(/\/+$/, "")}/projects/${encodeURIComponent(project)}/instances/${encodeURIComponent(instance)}`,
});
