import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { assertNoPlaceholders, passwordKeyOf, placeholderFindings, placeholderKeys, secretPlaceholder, withoutOwnPlaceholders } from "./secret-placeholders.js";

const b64 = (text: string) => btoa(text);

describe("chart secret placeholders", () => {
  it("names a key of the instance's own generated Secret, in argocd-vault-plugin's syntax for Kubernetes Secrets", () => {
    expect(secretPlaceholder("genomics", "lab", "one-time-password")).toBe("<path:genomics:lab-generated#one-time-password>");
    expect(() => secretPlaceholder("genomics", "lab", "a#b")).toThrow(/cannot be a Secret key/);
    expect(passwordKeyOf(["security", "password"])).toBe("security.password");
    expect(passwordKeyOf(["a b", "é"])).toBe("a-b.-");
    expect(passwordKeyOf([])).toBe("value");
  });

  it("finds the keys values refer to, of this instance's Secret only", () => {
    const values = {
      security: { password: "<path:genomics:lab-generated#security.password>" },
      env: ["x=<path:genomics:lab-generated#one-time-password>;y=<path:genomics:lab-generated#security.password>"],
      other: "<path:genomics:wiki-generated#password>",
      versioned: "<path:genomics:lab-generated#pinned#3>",
    };
    expect(placeholderKeys(values, "genomics", "lab")).toEqual(["one-time-password", "security.password"]);
    expect(placeholderKeys(values, "genomics", "wiki")).toEqual(["password"]);
    expect(placeholderKeys(values, "other", "lab")).toEqual([]);
  });

  it("leaves out the instance's own placeholders from the values a move keeps, and nothing else", () => {
    const values = {
      security: { password: "<path:genomics:lab-generated#security.password>", user: "me" },
      token: "<path:genomics:lab-generated#one-time-password>",
      other: "<path:genomics:wiki-generated#password>",
      list: ["<path:genomics:lab-generated#x>"],
      text: "x <path:genomics:lab-generated#y>",
    };
    expect(withoutOwnPlaceholders(values, "genomics", "lab")).toEqual({
      security: { user: "me" },
      other: "<path:genomics:wiki-generated#password>",
      list: ["<path:genomics:lab-generated#x>"],
      text: "x <path:genomics:lab-generated#y>",
    });
  });

  it("refuses what argocd-vault-plugin would act on in a person's values, naming the field", () => {
    const refusal = (values: unknown) => {
      try {
        assertNoPlaceholders(values);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).issues.map((issue) => `${issue.pointer} ${issue.rule}`);
      }
      return [];
    };
    expect(refusal({ a: { b: ["ok", "<path:x:y#z>"] } })).toEqual(["/values/a/b/1 secret-placeholder"]);
    expect(refusal({ podAnnotations: { "avp.kubernetes.io/path": "x:y" } })).toEqual(["/values/podAnnotations/avp.kubernetes.io~1path secret-placeholder"]);
    expect(refusal({ a: "a <b> c", n: 3 })).toEqual([]);
  });

  it("finds in rendered objects every secret reference Plateau did not write, base64 in a Secret's data too", () => {
    const secret = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data });
    const own = "<path:genomics:lab-generated#one-time-password>";
    expect(placeholderFindings([secret({ PASSWORD: b64(own) }), { kind: "ConfigMap", metadata: { name: "c" }, data: { x: own } }], "genomics", "lab")).toEqual(
      [],
    );
    const rules = (objects: Record<string, unknown>[], instance: string | null = "lab") =>
      placeholderFindings(objects, "genomics", instance ?? undefined).map((finding) => `${finding.object} ${finding.rule} ${finding.message}`);
    expect(rules([secret({ PASSWORD: b64("<path:wiki:db-generated#password>") })])).toEqual([
      "Secret/s secret-placeholder Secret/s: /data/PASSWORD (base64): <path:wiki:db-generated#password> is a secret reference Plateau did not write",
    ]);
    expect(rules([{ kind: "Pod", metadata: { name: "p", annotations: { "avp.kubernetes.io/path": "wiki:db-generated" } } }])).toHaveLength(1);
    expect(rules([{ kind: "Pod", metadata: { name: "p" }, spec: { x: "<path:genomics:lab-generated#k#2>" } }])).toHaveLength(1);
    // Without an instance, no placeholder is its own.
    expect(rules([secret({ PASSWORD: b64(own) })], null)).toHaveLength(1);
  });
});
