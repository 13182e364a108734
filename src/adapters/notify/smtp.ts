// Notices by e-mail over SMTP (nodemailer): one message per address, plain text.
import nodemailer from "nodemailer";
import type { NoticeChannel } from "../../core/notify/service.js";

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly from: string;
  /** `tls`: TLS from the start (port 465); `starttls`: upgrade, required; `none`: plain (a local relay, tests). */
  readonly security: "tls" | "starttls" | "none";
  readonly user?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
}

export function createSmtpChannel(settings: SmtpSettings): NoticeChannel {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === "tls",
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    ...(settings.user !== undefined ? { auth: { user: settings.user, pass: settings.password ?? "" } } : {}),
    connectionTimeout: settings.timeoutMs ?? 10_000,
    greetingTimeout: settings.timeoutMs ?? 10_000,
    socketTimeout: settings.timeoutMs ?? 10_000,
  });
  return {
    name: "email",
    async send(message, address) {
      await transport.sendMail({ from: settings.from, to: address, subject: message.subject, text: message.text });
    },
  };
}
