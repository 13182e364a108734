import { describe, expect, it } from "vitest";
import { NOTICE_KINDS } from "../../contracts/codes.js";
import { WORDED_KINDS, wordNotice } from "./wording.js";

const links = { instancePage: (project: string, instance: string) => `https://plateau.example.org/projects/${project}/instances/${instance}` };
const notice = {
  key: "idle-stop:demo/hello:2026-12-01T12:00:00.000Z",
  kind: "idle-stop-planned",
  params: { instance: "demo/hello", due: "2026-12-02T12:00:00.000Z" },
  project: "demo",
  instance: "hello",
  due: "2026-12-02T12:00:00.000Z",
  action: "keep",
};

describe("the words of a notice", () => {
  it("words every notice kind", () => expect([...WORDED_KINDS].sort()).toEqual([...NOTICE_KINDS].sort()));

  it("says what happens when, and the one action that prevents it, in English then French", () => {
    const both = wordNotice(notice, links);
    expect(both.subject).toBe("demo/hello will be stopped on 2026-12-02 12:00 UTC / demo/hello sera arrêtée le 2026-12-02 12:00 UTC");
    expect(both.text).toContain("Plateau will stop it on 2026-12-02 12:00 UTC");
    expect(both.text).toContain("plateau keep demo/hello");
    expect(both.text).toContain("https://plateau.example.org/projects/demo/instances/hello");
    expect(both.text.indexOf("Plateau will stop")).toBeLessThan(both.text.indexOf("Plateau l'arrêtera"));
  });

  it("in the person's language only, when known", () => {
    const fr = wordNotice(notice, links, "fr");
    expect(fr.subject).toBe("demo/hello sera arrêtée le 2026-12-02 12:00 UTC");
    expect(fr.text).not.toContain("will stop");
  });
});
