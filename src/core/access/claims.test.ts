import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { type ClaimMapping, ClaimMappingSchema, defaultClaimMapping } from "./claim-mapping.js";
import { normalizeLogin } from "./claim-values.js";
import { compileClaimMapping, mapClaims, reportMapping } from "./claims.js";

const defaults = compileClaimMapping(defaultClaimMapping());

/** The mapping a plateau.yaml gives: the schema's defaults applied to what is written. */
const configured = (written: Record<string, unknown>): ClaimMapping => {
  const mapping = Value.Default(ClaimMappingSchema, structuredClone(written));
  expect(Value.Check(ClaimMappingSchema, mapping), JSON.stringify([...Value.Errors(ClaimMappingSchema, mapping)])).toBe(true);
  return mapping as ClaimMapping;
};

const inputError = (run: () => unknown): InputError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  return expect.unreachable();
};

describe("mapClaims with the defaults", () => {
  // the accounts of the embedded provider
  it("maps a lab member", () => {
    expect(mapClaims({ sub: "1", preferred_username: "alice", name: "Alice Martin", email: "alice@example.org", groups: ["lab:imb"] }, defaults)).toEqual({
      login: "alice",
      name: "Alice Martin",
      email: "alice@example.org",
      groups: ["lab:imb"],
      labs: ["imb"],
      labAdminOf: [],
      operator: false,
      operatorByGroup: false,
    });
  });

  it("maps a lab admin, who is also a member", () => {
    expect(mapClaims({ preferred_username: "bob", groups: ["lab-admin:imb", "lab:imb"] }, defaults)).toMatchObject({
      groups: ["lab-admin:imb", "lab:imb"],
      labs: ["imb"],
      labAdminOf: ["imb"],
      operator: false,
    });
    expect(mapClaims({ preferred_username: "carol", groups: ["lab-admin:lmbp"] }, defaults)).toMatchObject({ labs: ["lmbp"], labAdminOf: ["lmbp"] });
  });

  it("maps an operator", () => {
    expect(mapClaims({ preferred_username: "root", groups: ["plateau:operators"] }, defaults)).toEqual({
      login: "root",
      name: "root",
      email: undefined,
      groups: ["plateau:operators"],
      labs: [],
      labAdminOf: [],
      operator: true,
      operatorByGroup: true,
    });
  });

  it("makes operators of configured logins", () => {
    const mapping = configured({ operators: { logins: ["alice"] } });
    expect(mapClaims({ preferred_username: "Alice" }, mapping).operator).toBe(true);
    expect(mapClaims({ preferred_username: "bob" }, mapping).operator).toBe(false);
    expect(mapClaims({ preferred_username: "alice" }, configured({ operators: { groups: [] } })).operator).toBe(false);
    expect(mapClaims({ preferred_username: "carol", groups: ["plateau:operators"] }, configured({ operators: { groups: [] } })).operator).toBe(false);
  });

  it("sorts and de-duplicates", () => {
    const identity = mapClaims({ preferred_username: "a", groups: ["lab:b", "z", "lab:a", "z", "lab:b", "lab-admin:a"] }, defaults);
    expect(identity.groups).toEqual(["lab-admin:a", "lab:a", "lab:b", "z"]);
    expect(identity.labs).toEqual(["a", "b"]);
  });

  it("drops lab ids that are not valid lab names", () => {
    const labs = ["lab:1abc", "lab:a-", `lab:${"x".repeat(31)}`, "lab:ok", `lab:${"y".repeat(30)}`];
    expect(mapClaims({ preferred_username: "a", groups: labs }, defaults).labs).toEqual(["ok", "y".repeat(30)]);
  });

  it("uses the first claims present, in order", () => {
    expect(mapClaims({ uid: "jdupont", eppn: "other@x.fr", displayName: "Jean Dupont", mail: "jean.dupont@x.fr" }, defaults)).toMatchObject({
      login: "jdupont",
      name: "Jean Dupont",
      email: "jean.dupont@x.fr",
    });
    // an attribute relayed as a one-item array (LDAP through a SAML proxy)
    expect(mapClaims({ uid: ["jdupont"], mail: ["j@x.fr"] }, defaults)).toMatchObject({ login: "jdupont", email: "j@x.fr" });
  });

  it("keeps only usable e-mail addresses and names", () => {
    expect(mapClaims({ preferred_username: "a", email: "not an address", mail: "a@x.fr" }, defaults).email).toBe("a@x.fr");
    expect(mapClaims({ preferred_username: "a", email: "a <a@x.fr>" }, defaults).email).toBeUndefined();
    expect(mapClaims({ preferred_username: "a", name: "  Evil <x@y>  Name " }, defaults).name).toBe("Evil x@y Name");
    expect(mapClaims({ preferred_username: "a", name: "   ", displayName: "Shown" }, defaults).name).toBe("Shown");
  });
});

describe("login", () => {
  it.each([
    ["Jean.Dupont@univ-rennes.fr", "jean.dupont"],
    ["jdupont", "jdupont"],
    ["Hélène Ðurić-Łukasz", "helene-duric-lukasz"],
    ["François  Lœuvre", "francois-loeuvre"],
    ["  Straße ", "strasse"],
    ["_jean_", "jean"],
    ["-.-x.-", "x"],
    ["d'Artagnan", "d-artagnan"],
    ["ＡＢＣ", "abc"],
    ["a@b@example.org", "a-b"],
  ])("normalizes %j to %j", (value, login) => {
    expect(normalizeLogin(value)).toBe(login);
    expect(login).toMatch(/^[a-z0-9][-a-z0-9._]*$/);
  });

  it.each(["", "@example.org", "---", "日本語", "._-"])("makes nothing of %j", (value) => expect(normalizeLogin(value)).toBeUndefined());

  it("keeps at most 64 characters, ending with a letter or digit", () => {
    const login = normalizeLogin(`${"a".repeat(63)}.b`);
    expect(login).toBe("a".repeat(63));
    expect(normalizeLogin("x".repeat(100))).toHaveLength(64);
  });

  it("normalizes an eppn", () => {
    expect(mapClaims({ eppn: "Jean.Dupont@univ-rennes.fr" }, defaults).login).toBe("jean.dupont");
  });

  it("falls through claims that make no login", () => {
    expect(mapClaims({ preferred_username: "日本", uid: "kenji" }, defaults).login).toBe("kenji");
  });

  it("is required", () => {
    const error = inputError(() => mapClaims({ sub: "1", name: "No Login", groups: ["lab:imb"] }, defaults));
    expect(error.issues).toEqual([expect.objectContaining({ pointer: "/claims/preferred_username", rule: "required" })]);
    expect(error.message).toMatch(/preferred_username, uid, eppn, email/);
  });

  it("names the claim that made no login", () => {
    const error = inputError(() => mapClaims({ uid: "日本" }, defaults));
    expect(error.issues).toEqual([expect.objectContaining({ pointer: "/claims/uid", rule: "login" })]);
  });

  it("escapes claim names in the pointer", () => {
    const error = inputError(() => mapClaims({}, configured({ login: ["https://example.org/login"] })));
    expect(error.issues[0]?.pointer).toBe("/claims/https:~1~1example.org~1login");
  });
});

describe("groups", () => {
  it("keeps the groups matching include and not exclude", () => {
    const mapping = configured({ groups: { include: ["^lab", "^team-"], exclude: ["-tmp$"] } });
    const identity = mapClaims({ preferred_username: "a", groups: ["lab:imb", "team-gpu", "team-old-tmp", "other", "plateau:operators"] }, mapping);
    expect(identity.groups).toEqual(["lab:imb", "team-gpu"]);
    // operators are recognized from the provider's groups, whatever is kept
    expect(identity.operator).toBe(true);
  });

  it("drops groups that cannot be project members", () => {
    expect(mapClaims({ preferred_username: "a", groups: ["ok", "with space", "x".repeat(201), ""] }, defaults).groups).toEqual(["ok"]);
  });

  it("reads a nested claim path", () => {
    const mapping = configured({
      groups: { claim: "realm_access.roles" },
      labs: [{ claim: "realm_access.roles", match: "^lab_(.+)$" }],
      labAdmins: [{ claim: "resource_access.plateau.roles", match: "^admin-of-(?<lab>.+)$", replace: "$<lab>" }],
    });
    const claims = {
      preferred_username: "a",
      realm_access: { roles: ["lab_imb", "offline_access"] },
      resource_access: { plateau: { roles: ["admin-of-LMBP"] } },
    };
    expect(mapClaims(claims, mapping)).toMatchObject({ groups: ["lab_imb", "offline_access"], labs: ["imb", "lmbp"], labAdminOf: ["lmbp"] });
  });

  it("prefers a claim named with dots to a nested path", () => {
    const mapping = configured({ groups: { claim: "a.b" } });
    expect(mapClaims({ preferred_username: "x", "a.b": ["flat"], a: { b: ["nested"] } }, mapping).groups).toEqual(["flat"]);
  });

  it("never reads inherited properties", () => {
    const mapping = configured({ groups: { claim: "groups.constructor.name" }, login: ["toString", "preferred_username"] });
    expect(mapClaims({ preferred_username: "x", groups: [] }, mapping)).toMatchObject({ login: "x", groups: [] });
  });
});

describe("lab rules", () => {
  it("reads Onyxia-style groups with a prefix", () => {
    const mapping = configured({ labs: [{ claim: "groups", match: "^plateau-lab-(.+)$" }], labAdmins: [{ claim: "groups", match: "^plateau-admin-(.+)$" }] });
    const identity = mapClaims({ preferred_username: "a", groups: ["plateau-lab-imb", "plateau-admin-lmbp", "onyxia-other"] }, mapping);
    expect(identity).toMatchObject({ labs: ["imb", "lmbp"], labAdminOf: ["lmbp"] });
  });

  it("reads the SUPANN main affiliation", () => {
    const mapping = configured({ labs: [{ claim: "supannEntiteAffectationPrincipale", match: "^(.+)$" }] });
    expect(mapClaims({ uid: "jdupont", supannEntiteAffectationPrincipale: "IMB" }, mapping).labs).toEqual(["imb"]);
    // a value that is no lab name is dropped, not an error
    expect(mapClaims({ uid: "jdupont", supannEntiteAffectationPrincipale: "UMR 6625" }, mapping).labs).toEqual([]);
  });

  it("reads eduPersonOrgUnitDN", () => {
    const mapping = configured({ labs: [{ claim: "eduPersonOrgUnitDN", match: "^ou=([^,]+)," }] });
    const claims = { eppn: "j@uca.fr", eduPersonOrgUnitDN: ["ou=LMBP,ou=structures,dc=uca,dc=fr", "ou=IMB,ou=structures,dc=uca,dc=fr", "dc=uca,dc=fr"] };
    expect(mapClaims(claims, mapping).labs).toEqual(["imb", "lmbp"]);
  });

  it("skips excluded values and expands replacements", () => {
    const mapping = configured({
      labs: [
        { claim: "groups", match: "^lab:([a-z]+)$", exclude: ["^lab:old"] },
        { claim: "groups", match: "^(team)-(\\w+)$", replace: "$2-$1" },
        { claim: "groups", match: "^x$", replace: "lab$$x$&" },
      ],
    });
    const identity = mapClaims({ preferred_username: "a", groups: ["lab:imb", "lab:oldlab", "team-gpu", "x"] }, mapping);
    expect(identity.labs).toEqual(["gpu-team", "imb"]);
  });

  it("ignores claims that are not strings or arrays of strings", () => {
    const claims = { preferred_username: "a", groups: { imb: true }, ou: 42, dn: ["lab:imb", 7, null, { lab: "x" }], name: 12, email: ["", "a@x.fr"] };
    const mapping = configured({
      labs: [
        { claim: "groups", match: "^lab:(.+)$" },
        { claim: "ou", match: "(.*)" },
        { claim: "dn", match: "^lab:(.+)$" },
      ],
    });
    expect(mapClaims(claims, mapping)).toEqual({
      login: "a",
      name: "a",
      email: "a@x.fr",
      groups: [],
      labs: ["imb"],
      labAdminOf: [],
      operator: false,
      operatorByGroup: false,
    });
    expect(mapClaims({ preferred_username: 5, uid: "b" }, defaults).login).toBe("b");
  });

  it("ignores oversized values and reads the first 1,000 items only", () => {
    const long = `lab:${"a".repeat(1000)}`;
    const many = [...Array.from({ length: 1000 }, (_, i) => `g${i}`), "lab:late"];
    expect(mapClaims({ preferred_username: "a", groups: [long, "lab:imb"] }, defaults).labs).toEqual(["imb"]);
    const identity = mapClaims({ preferred_username: "a", groups: many }, defaults);
    expect(identity.groups).toHaveLength(1000);
    expect(identity.labs).toEqual([]);
    expect(() => mapClaims({ preferred_username: "x".repeat(1001) }, defaults)).toThrow(InputError);
  });
});

describe("compileClaimMapping", () => {
  it("names the pointer of an invalid regular expression", () => {
    const mapping = configured({ labs: [{ claim: "groups", match: "^lab:([a-z]+$" }] });
    const error = inputError(() => compileClaimMapping(mapping));
    expect(error.issues).toEqual([expect.objectContaining({ pointer: "/identity/claims/labs/0/match", rule: "regex" })]);
    expect(error.message).toMatch(/^\/identity\/claims\/labs\/0\/match: not a valid regular expression/);
  });

  it.each([
    [{ groups: { include: ["ok", "(("] } }, "/identity/claims/groups/include/1"],
    [{ groups: { exclude: ["["] } }, "/identity/claims/groups/exclude/0"],
    [{ labAdmins: [{ claim: "g", match: "(x)", exclude: ["*"] }] }, "/identity/claims/labAdmins/0/exclude/0"],
  ])("names %j", (written, pointer) => {
    expect(inputError(() => compileClaimMapping(configured(written))).issues[0]?.pointer).toBe(pointer);
  });

  it("uses the given pointer", () => {
    const error = inputError(() => compileClaimMapping(configured({ labs: [{ claim: "g", match: "(" }] }), "/providers/0/claims"));
    expect(error.issues[0]?.pointer).toBe("/providers/0/claims/labs/0/match");
  });

  it("refuses a replacement naming a missing group", () => {
    const missing = inputError(() => compileClaimMapping(configured({ labs: [{ claim: "g", match: "^lab-.+$" }] })));
    expect(missing.issues).toEqual([expect.objectContaining({ pointer: "/identity/claims/labs/0/replace", rule: "regex-group" })]);
    const named = inputError(() => compileClaimMapping(configured({ labs: [{ claim: "g", match: "^(?<x>.+)$", replace: "$<y>" }] })));
    expect(named.issues[0]?.pointer).toBe("/identity/claims/labs/0/replace");
    expect(() => compileClaimMapping(configured({ labs: [{ claim: "g", match: "^lab-.+$", replace: "$&" }] }))).not.toThrow();
  });

  it("refuses a mapping without login claims", () => {
    expect(inputError(() => compileClaimMapping({ ...defaultClaimMapping(), login: [] })).issues[0]?.pointer).toBe("/identity/claims/login");
  });

  it("is applied once when mapClaims is given the raw mapping", () => {
    const mapping = configured({ labs: [{ claim: "g", match: "(" }] });
    expect(() => mapClaims({ preferred_username: "a" }, mapping)).toThrow(/labs\/0\/match/);
    expect(mapClaims({ preferred_username: "a", groups: ["lab:imb"] }, defaultClaimMapping()).labs).toEqual(["imb"]);
  });
});

describe("reportMapping", () => {
  it("names the claims received and the parts of the mapping that gave nothing, never a value", () => {
    const claims = { sub: "dwho", preferred_username: "dwho", name: "Doctor Who", email: "dwho@badwolf.org", iss: "https://auth.example.org/" };
    const report = reportMapping(claims, defaults);
    expect(report.received).toEqual(["email", "iss", "name", "preferred_username", "sub"]);
    expect(report.empty).toEqual(["groups (claim groups: absent)", "labs[0] (claim groups: absent)", "labAdmins[0] (claim groups: absent)"]);
    expect(JSON.stringify(report)).not.toContain("dwho");
  });

  it("tells a claim that came but made no lab from one that did not come", () => {
    const report = reportMapping({ preferred_username: "dwho", groups: ["timelords", "users"] }, defaults);
    expect(report.empty).toEqual([
      "name (none of name, displayName)",
      "email (none of email, mail)",
      "labs[0] (claim groups: no value made a lab)",
      "labAdmins[0] (claim groups: no value made a lab)",
    ]);
    const matched = reportMapping({ preferred_username: "dwho", groups: ["lab:imb"] }, defaults);
    expect(matched.empty).not.toContain("labs[0] (claim groups: no value made a lab)");
  });

  it("bounds what it reports of names the provider chose", () => {
    const claims = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`claim-${i}-${"x".repeat(100)}`, i]));
    const report = reportMapping({ ...claims, "bad\nname": 1 }, defaults);
    expect(report.received.length).toBe(100);
    expect(Math.max(...report.received.map((name) => name.length))).toBe(64);
  });
});
