import { describe, expect, it } from "vitest";
import { escapeHtml, pageShell } from "./page-shell.js";

describe("the shell of the server's own pages", () => {
  it("writes the language, UTF-8, the viewport, the title and the one style sheet, around the body", () => {
    const html = pageShell({ language: "fr", title: "Connexion", style: "h1{color:red}", body: "<main><p>Bonjour</p></main>" });
    expect(html).toBe(
      '<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
        "<title>Connexion</title><style>h1{color:red}</style></head><body><main><p>Bonjour</p></main></body></html>",
    );
  });

  it("escapes every text it is given: the title and the language", () => {
    const html = pageShell({ language: 'en"><script>', title: `</title><script>alert('x')</script>\``, style: "", body: "" });
    expect(html).not.toContain("<script>");
    expect(html).toContain("<title>&#60;/title&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#96;</title>");
    expect(html).toContain('<html lang="en&#34;&#62;&#60;script&#62;">');
  });

  it("reloads a waiting page after whole seconds, at least one", () => {
    expect(pageShell({ language: "en", title: "t", style: "", body: "", refreshSeconds: 2 })).toContain('<meta http-equiv="refresh" content="2">');
    expect(pageShell({ language: "en", title: "t", style: "", body: "", refreshSeconds: 0.2 })).toContain('<meta http-equiv="refresh" content="1">');
    expect(pageShell({ language: "en", title: "t", style: "", body: "" })).not.toContain("refresh");
  });

  it("refuses a style sheet that would end its element", () => {
    expect(() => pageShell({ language: "en", title: "t", style: "</style><script>", body: "" })).toThrow(/invariant/);
  });

  it("escapes the characters that end a text or an attribute, and nothing else", () => {
    expect(escapeHtml(`a&b<c>d"e'f\`g é`)).toBe("a&#38;b&#60;c&#62;d&#34;e&#39;f&#96;g é");
  });
});
