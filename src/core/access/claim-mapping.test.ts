import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import { type ClaimMapping, ClaimMappingSchema, defaultClaimMapping, mergeClaimMapping, ProviderClaimMappingSchema } from "./claim-mapping.js";

/** The mapping a plateau.yaml gives: the schema's defaults applied to what is written. */
const configured = (written: Record<string, unknown>): ClaimMapping => {
  const mapping = Value.Default(ClaimMappingSchema, structuredClone(written));
  expect(Value.Check(ClaimMappingSchema, mapping), JSON.stringify([...Value.Errors(ClaimMappingSchema, mapping)])).toBe(true);
  return mapping as ClaimMapping;
};

describe("claim mapping schema", () => {
  it("gives the documented defaults for an empty section", () => {
    expect(configured({})).toEqual(defaultClaimMapping());
    expect(defaultClaimMapping()).toMatchObject({
      login: ["preferred_username", "uid", "eppn", "email"],
      name: ["name", "displayName"],
      email: ["email", "mail"],
      groups: { claim: "groups", include: [], exclude: [] },
      labs: [{ claim: "groups", match: "^lab:([a-z0-9-]+)$", replace: "$1" }],
      labAdmins: [{ claim: "groups", match: "^lab-admin:([a-z0-9-]+)$", replace: "$1" }],
      operators: { groups: ["plateau:operators"], logins: [] },
    });
  });

  it("fills the default replacement of a written rule", () => {
    expect(configured({ labs: [{ claim: "ou", match: "^(.+)$" }] }).labs).toEqual([{ claim: "ou", match: "^(.+)$", replace: "$1" }]);
  });

  it("refuses unknown fields", () => {
    expect(Value.Check(ClaimMappingSchema, Value.Default(ClaimMappingSchema, { group: {} }))).toBe(false);
    expect(Value.Check(ClaimMappingSchema, Value.Default(ClaimMappingSchema, { labs: [{ claim: "x", match: "y", other: 1 }] }))).toBe(false);
  });

  it("describes every field", () => {
    const undocumented: string[] = [];
    const walk = (schema: Record<string, unknown>, at: string) => {
      if (at !== "" && typeof schema.description !== "string") undocumented.push(at);
      for (const [key, child] of Object.entries((schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) walk(child, `${at}/${key}`);
    };
    walk(ClaimMappingSchema as unknown as Record<string, unknown>, "");
    expect(undocumented).toEqual([]);
  });
});

describe("a provider's own mapping", () => {
  const global = configured({ labs: [{ claim: "groups", match: "^(timelords)$" }], operators: { logins: ["rose"] } });

  it("has no defaults: what it leaves out is not filled", () => {
    const written = Value.Default(ProviderClaimMappingSchema, { login: ["uid"] });
    expect(written).toEqual({ login: ["uid"] });
    expect(Value.Check(ProviderClaimMappingSchema, { labs: [{ claim: "ou", match: "x" }], extra: 1 })).toBe(false);
  });

  it("replaces the fields it sets, merges groups and operators field by field, and keeps the rest of the global mapping", () => {
    expect(mergeClaimMapping(global, undefined)).toEqual(global);
    const merged = mergeClaimMapping(global, { login: ["uid"], groups: { claim: "memberOf" }, operators: { groups: ["admins"] } });
    expect(merged.login).toEqual(["uid"]);
    expect(merged.groups).toEqual({ claim: "memberOf", include: [], exclude: [] });
    expect(merged.operators).toEqual({ groups: ["admins"], logins: ["rose"] });
    expect(merged.labs).toEqual(global.labs);
    expect(merged.email).toEqual(global.email);
    // A provider's lab rules replace the global ones (they do not add to them).
    expect(mergeClaimMapping(global, { labs: [{ claim: "ou", match: "^(.+)$" }] }).labs).toEqual([{ claim: "ou", match: "^(.+)$" }]);
    // The global mapping is not changed.
    expect(global.login).toEqual(["preferred_username", "uid", "eppn", "email"]);
  });
});
