import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mapClaims } from "../core/access/claims.js";
import { InputError } from "../core/errors.js";
import { helmCommand, lifecycleSettings, loadConfig, paths } from "./config.js";
import { claimMappings } from "./identity.js";

describe("loadConfig", () => {
  it("has defaults for everything but is overridden by file, environment and flags, in that order", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const defaults = loadConfig({ env: {}, cwd });
    expect(defaults.listen).toEqual({ host: "127.0.0.1", port: 8080, trustProxy: false });
    expect(defaults.dataDir).toBe(join(cwd, ".plateau"));
    expect(paths(defaults).repository).toBe(join(cwd, ".plateau", "state.git"));
    expect(defaults.platforms.local.domain).toBe("localhost");
    // Buckets (ADR 0030): their quotas beside the others, and a new bucket's size.
    expect(defaults.buckets).toEqual({ defaultSizeGiB: 10, checkSeconds: 60, replicateSeconds: 300 });
    expect([defaults.tenancy.personalQuota, defaults.tenancy.projectQuota, defaults.tenancy.labQuota].map((q) => [q.s3GiB, q.buckets])).toEqual([
      [20, 3],
      [100, 10],
      [1000, 50],
    ]);

    await writeFile(join(cwd, "plateau.yaml"), "listen:\n  port: 9000\npodman:\n  stopTimeoutSeconds: 3\n");
    expect(loadConfig({ env: {}, cwd }).listen.port).toBe(9000);
    expect(loadConfig({ env: { PLATEAU_PORT: "9100" }, cwd }).listen.port).toBe(9100);
    expect(loadConfig({ env: { PLATEAU_PORT: "9100" }, cwd, overrides: { listen: { port: 9200 } } }).listen.port).toBe(9200);
    expect(loadConfig({ env: {}, cwd }).podman).toEqual({ command: "podman", stopTimeoutSeconds: 3, startupTimeoutSeconds: 300 });
  });

  it("names the field and the rule of a bad setting", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    await writeFile(join(cwd, "plateau.yaml"), "listen:\n  port: 99999\nunknown: 1\n");
    try {
      loadConfig({ env: {}, cwd });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: "/listen/port", rule: "maximum" })]));
    }
    expect(() => loadConfig({ env: { PLATEAU_PORT: "eighty" }, cwd: tmpdir() })).toThrow(/listen\/port/);
    expect(() => loadConfig({ env: {}, cwd, file: "missing.yaml" })).toThrow(/does not exist/);
  });

  it("reads identity providers, with secrets from the environment, and refuses duplicates and bad claim patterns", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    await writeFile(
      join(cwd, "plateau.yaml"),
      "identity:\n  providers:\n    - { id: univ-a, title: A, issuer: https://a.example.org, clientId: plateau }\n    - { id: univ-b, title: B, issuer: https://b.example.org, clientId: plateau, claims: { labs: [{ claim: ou, match: '^(.+)$' }] } }\n",
    );
    const config = loadConfig({ env: { PLATEAU_OIDC_UNIV_A_CLIENT_SECRET: "from-env" }, cwd });
    expect(config.identity.providers[0]).toMatchObject({ id: "univ-a", clientSecret: "from-env", scopes: ["openid", "profile", "email"] });
    // A provider's own mapping is what it sets, nothing more: the rest comes from identity.claims.
    expect(config.identity.providers[1]?.claims).toEqual({ labs: [{ claim: "ou", match: "^(.+)$", replace: "$1" }] });
    expect(config.identity.providers[0]?.claims).toBeUndefined();
    expect(config.identity.claims.labs[0]?.match).toBe("^lab:([a-z0-9-]+)$");
    expect(config.sessions).toEqual({ idleMinutes: 120, absoluteHours: 12 });

    await writeFile(
      join(cwd, "plateau.yaml"),
      "identity:\n  providers:\n    - { id: same, title: A, issuer: https://a.example.org, clientId: x }\n    - { id: same, title: B, issuer: https://b.example.org, clientId: x }\n",
    );
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/provider id "same" is used twice/);
    await writeFile(join(cwd, "plateau.yaml"), "tokens:\n  defaultDays: 400\n  maxDays: 365\n");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/maxDays/);
    await writeFile(join(cwd, "plateau.yaml"), "identity:\n  providers:\n    - { id: Bad_Id, title: A, issuer: https://a.example.org, clientId: x }\n");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/\/identity\/providers\/0\/id/);
  });

  it("gives every provider identity.claims, and a provider's own claims only override the fields they set", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    await writeFile(
      join(cwd, "plateau.yaml"),
      [
        "identity:",
        "  claims:",
        "    labs: [{ claim: groups, match: '^(timelords)$' }]",
        "    operators: { logins: [rose] }",
        "  providers:",
        "    - { id: llng, title: LemonLDAP::NG, issuer: https://auth.example.org/, clientId: plateau }",
        "    - id: keycloak",
        "      title: Keycloak",
        "      issuer: https://sso.example.org/realms/research",
        "      clientId: plateau",
        "      claims:",
        "        login: [uid]",
        "        groups: { claim: realm_access.roles }",
        "        operators: { groups: [admins] }",
        "",
      ].join("\n"),
    );
    const config = loadConfig({ env: {}, cwd });
    const { claims, claimsByProvider } = claimMappings(config);
    // LemonLDAP::NG's demo user dwho: groups ["timelords", "users"], and no claims of its own configured.
    const dwho = { sub: "dwho", preferred_username: "dwho", groups: ["timelords", "users"] };
    expect(claimsByProvider.has("llng")).toBe(false);
    expect(mapClaims(dwho, claimsByProvider.get("llng") ?? claims).labs).toEqual(["timelords"]);
    // Keycloak's own fields win; the global lab rule still applies; operators merge field by field.
    const keycloak = claimsByProvider.get("keycloak");
    expect(keycloak).toBeDefined();
    const fromKeycloak = mapClaims(
      { sub: "1", uid: "Rose", preferred_username: "other", realm_access: { roles: ["timelords", "admins"] } },
      keycloak ?? claims,
    );
    expect(fromKeycloak).toMatchObject({ login: "rose", groups: ["admins", "timelords"], operator: true });
    expect(keycloak?.labs.map((rule) => rule.match.source)).toEqual(["^(timelords)$"]);
    expect([...(keycloak?.operators.groups ?? [])]).toEqual(["admins"]);
    expect([...(keycloak?.operators.logins ?? [])]).toEqual(["rose"]);
    expect(mapClaims({ sub: "2", uid: "amy", groups: ["timelords"] }, keycloak ?? claims).labs).toEqual(["timelords"]);
    // A bad expression in a provider's own rules is named at its place.
    await writeFile(
      join(cwd, "plateau.yaml"),
      "identity:\n  providers:\n    - { id: a, title: A, issuer: https://a.example.org, clientId: x, claims: { labs: [{ claim: g, match: '(' }] } }\n",
    );
    expect(() => claimMappings(loadConfig({ env: {}, cwd }))).toThrow(/\/identity\/providers\/0\/claims\/labs\/0\/match/);
  });

  it("reads each provider's token endpoint authentication method and private key file", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const provider = (extra: string) => `identity:\n  providers:\n    - { id: univ-a, title: A, issuer: https://a.example.org, clientId: plateau${extra} }\n`;
    await writeFile(join(cwd, "plateau.yaml"), provider(", clientSecret: s3cret-with-dash, tokenEndpointAuthMethod: client_secret_post"));
    expect(loadConfig({ env: {}, cwd }).identity.providers[0]?.tokenEndpointAuthMethod).toBe("client_secret_post");
    await writeFile(join(cwd, "plateau.yaml"), provider(", tokenEndpointAuthMethod: private_key_jwt, privateKeyFile: keys/plateau.pem"));
    expect(loadConfig({ env: {}, cwd }).identity.providers[0]?.privateKeyFile).toBe(join(cwd, "keys", "plateau.pem"));
    expect(loadConfig({ env: { PLATEAU_OIDC_UNIV_A_PRIVATE_KEY_FILE: "/run/secrets/key.pem" }, cwd }).identity.providers[0]?.privateKeyFile).toBe(
      "/run/secrets/key.pem",
    );
    await writeFile(join(cwd, "plateau.yaml"), provider(", tokenEndpointAuthMethod: private_key_jwt"));
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/\/identity\/providers\/0\/privateKeyFile: private_key_jwt needs/);
    await writeFile(join(cwd, "plateau.yaml"), provider(", tokenEndpointAuthMethod: client_secret_post"));
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/\/identity\/providers\/0\/clientSecret: client_secret_post needs/);
    expect(loadConfig({ env: { PLATEAU_OIDC_UNIV_A_CLIENT_SECRET: "x" }, cwd }).identity.providers[0]?.clientSecret).toBe("x");
    await writeFile(join(cwd, "plateau.yaml"), provider(", privateKeyFile: key.pem"));
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/tokenEndpointAuthMethod/);
    await writeFile(join(cwd, "plateau.yaml"), provider(", tokenEndpointAuthMethod: client_secret_jwt"));
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/\/identity\/providers\/0\/tokenEndpointAuthMethod/);
  });

  it("reads how long instances run: 30 days, renewals of 30 days up to 365 from now; 0 or null turn expiry off", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const defaults = loadConfig({ env: {}, cwd });
    expect(defaults.lifecycle).toEqual({ expiryDays: 30, renewDays: 30, maxDays: 365, checkSeconds: 300 });
    expect(lifecycleSettings(defaults)).toEqual({ expiryDays: 30, renewDays: 30, maxDays: 365 });
    for (const off of ["0", "null", "~"]) {
      await writeFile(join(cwd, "plateau.yaml"), `lifecycle:\n  expiryDays: ${off}\n`);
      expect(lifecycleSettings(loadConfig({ env: {}, cwd })).expiryDays, off).toBeNull();
    }
    const refused = async (yaml: string, pointer: string, rule: string) => {
      await writeFile(join(cwd, "plateau.yaml"), yaml);
      try {
        loadConfig({ env: {}, cwd });
        expect.unreachable(yaml);
      } catch (error) {
        expect((error as InputError).issues, yaml).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, rule })]));
      }
    };
    await refused("lifecycle:\n  renewDays: 400\n", "/lifecycle/renewDays", "maximum");
    await refused("lifecycle:\n  expiryDays: 90\n  maxDays: 60\n  renewDays: 30\n", "/lifecycle/expiryDays", "maximum");
    await refused("lifecycle:\n  expiryDays: -1\n", "/lifecycle/expiryDays", "minimum");
    await refused("lifecycle:\n  expiryDays: 1.5\n", "/lifecycle/expiryDays", "type");
    await refused("lifecycle:\n  expireDays: 3\n", "/lifecycle", "additionalProperties");
  });

  it("caps followed logs, and takes registries of images that are not on this machine or a private network", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const defaults = loadConfig({ env: {}, cwd });
    expect(defaults.rateLimits).toMatchObject({ logStreamsPerPerson: 10, logStreams: 100 });
    expect(defaults.images.registries).toBeUndefined();
    await writeFile(join(cwd, "plateau.yaml"), "images:\n  registries: [docker.io, registry.example.org:5000, localhost]\n");
    expect(loadConfig({ env: {}, cwd }).images.registries).toEqual(["docker.io", "registry.example.org:5000", "localhost"]);
    await writeFile(join(cwd, "plateau.yaml"), "images:\n  registries: [docker.io, 10.0.0.5:5000]\n");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/\/images\/registries\/1: 10.0.0.5:5000 is a loopback, private or link-local address/);
    await writeFile(join(cwd, "plateau.yaml"), "images:\n  registries: [localhost:5000]\n");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/localhost:5000 is this machine/);
  });

  it("takes the Helm binary from helm.command or PLATEAU_HELM_COMMAND, else this installation's tools/helm/helm, else helm from PATH", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "plateau-config-"));
    const defaults = loadConfig({ env: {}, cwd });
    expect(defaults.helm.command).toBeUndefined();
    expect(helmCommand(defaults, cwd)).toBe("helm");
    await mkdir(join(cwd, "tools", "helm"), { recursive: true });
    await writeFile(join(cwd, "tools", "helm", "helm"), "");
    expect(helmCommand(defaults, cwd)).toBe(join(cwd, "tools", "helm", "helm"));
    await writeFile(join(cwd, "plateau.yaml"), "helm:\n  command: bin/helm\n");
    expect(paths(loadConfig({ env: {}, cwd })).helm).toBe(join(cwd, "bin", "helm"));
    expect(loadConfig({ env: { PLATEAU_HELM_COMMAND: "helm4" }, cwd }).helm.command).toBe("helm4");
    expect(loadConfig({ env: { PLATEAU_HELM_COMMAND: "/opt/helm" }, cwd }).helm).toEqual({ refreshSeconds: 600, command: "/opt/helm" });
  });
});
