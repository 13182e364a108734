import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InputError } from "../core/errors.js";
import { loadConfig, reclaimSettings } from "./config.js";
import { noticeChannels } from "./notifications.js";

describe("idle reclaim's and notifications' configuration", () => {
  it("reclaims nothing by default (the dry run works), exempts institutional projects, and has no channel but the portal", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const config = loadConfig({ env: {}, cwd });
    expect(config.reclaim.enabled).toBe(false);
    expect(reclaimSettings(config)).toMatchObject({
      idleHours: 72,
      notifyHoursBefore: 24,
      stop: true,
      deleteAfterDaysStopped: null,
      exemptProjectTiers: ["institutional"],
    });
    expect(noticeChannels(config, {}).channels).toEqual({});
  });

  it("takes the secrets from the variables the configuration names, and sends a lab's notices to its own channel", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    await writeFile(
      join(cwd, "plateau.yaml"),
      "notifications:\n  email: { host: smtp.example.org, from: plateau@example.org }\n  chat: { urlEnv: CHAT_URL, labs: { imb: CHAT_IMB, lmbp: CHAT_LMBP } }\n",
    );
    const config = loadConfig({ env: {}, cwd });
    const { channels, chatChannelOf } = noticeChannels(config, { CHAT_URL: "https://chat.example.org/hooks/a", CHAT_IMB: "https://chat.example.org/hooks/b" });
    expect(Object.keys(channels).sort()).toEqual(["chat", "email"]);
    expect([chatChannelOf("imb"), chatChannelOf("lmbp"), chatChannelOf(null)]).toEqual(["lab:imb", "default", "default"]);
    expect(noticeChannels(config, {}).chatChannelOf("imb")).toBeNull();
  });

  it("refuses a secret in place of a variable's name", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    await writeFile(join(cwd, "plateau.yaml"), "notifications:\n  chat: { urlEnv: 'https://chat.example.org/hooks/secret' }\n");
    try {
      loadConfig({ env: {}, cwd });
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer: "/notifications/chat/urlEnv", rule: "pattern" })]),
      );
    }
  });
});
