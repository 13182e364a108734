// What a request may carry and what it may not do to others (issue 11): idempotency keys are
// scoped to the person, the operation and its target, and never published; personal projects
// are one per login; values are bounded in depth and size; free text follows one rule; JSON
// bodies are not coerced.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGitRepository, initRepository } from "../../src/adapters/git/git-repository.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { FULL_SCOPE, type UserPrincipal } from "../../src/core/access/principal.js";
import { personalProjectName } from "../../src/core/access/policy.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import { memoryApp } from "../support/app.js";
import { alice, memoryPlateau } from "../support/plateau.js";

type App = Awaited<ReturnType<typeof memoryApp>>;

const launch = (project: string, body: object, headers: Record<string, string> = {}) => ({
  method: "POST" as const,
  url: `/api/v1/projects/${project}/instances`,
  payload: body,
  headers,
});

/** Someone who signed in with this login (no lab), and the headers of their API token. */
async function signedUp(app: App, login: string, labs: string[] = []): Promise<{ login: string; headers: Record<string, string> }> {
  const now = new Date().toISOString();
  const user = await app.adapters.access.upsertUser(
    {
      issuer: "https://idp.test",
      subject: `sub-${login}`,
      login,
      name: login,
      email: `${login}@example.org`,
      groups: [],
      labs,
      labAdminOf: [],
      operator: false,
    },
    now,
  );
  const principal: UserPrincipal = {
    kind: "user",
    userId: user.id,
    login: user.login,
    name: user.name,
    groups: [],
    labs,
    labAdminOf: [],
    operator: false,
    via: "token",
    scope: FULL_SCOPE,
  };
  const { token } = await app.plateau.services.access.createToken(principal, { name: "test" });
  return { login: user.login, headers: { authorization: `Bearer ${token}` } };
}

/** Every trailer value of every commit. */
async function trailerValues(repo: DesiredStateRepository): Promise<string[]> {
  return (await repo.log({ limit: 1000 })).flatMap((commit) => Object.values(commit.trailers));
}

const requestIds = async (repo: DesiredStateRepository) => (await repo.log({ limit: 1000 })).flatMap((c) => c.trailers["Plateau-Request-Id"] ?? []);

describe("idempotency keys", () => {
  /** A lab project where alice and bob are both editors. */
  async function shared() {
    const app = await memoryApp();
    const bob = await app.as("bob");
    const members = await app.inject({
      method: "PUT",
      url: "/api/v1/projects/demo/members",
      payload: {
        members: [
          { login: "alice", role: "owner" },
          { login: "bob", role: "editor" },
        ],
      },
    });
    expect(members.statusCode).toBe(200);
    return { ...app, bob };
  }

  it("are scoped to the person: bob replaying alice's key launches and stops his own instance", async () => {
    const { inject, bob } = await shared();
    const key = "shared-key-1";
    const alices = await inject(launch("demo", { template: "static-site" }, { "idempotency-key": key }));
    expect(alices.statusCode).toBe(202);
    const bobs = await inject(launch("demo", { template: "static-site" }, { ...bob, "idempotency-key": key }));
    expect(bobs.statusCode).toBe(202);
    expect(bobs.json()).toMatchObject({ replayed: false, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(bobs.json().instance.name).not.toBe(alices.json().instance.name);
    expect(bobs.json().instance.createdBy).toBe("bob");
    expect((await inject({ url: "/api/v1/projects/demo/instances" })).json().items).toHaveLength(2);

    // Both stop with one key: bob's stop is done, not answered with alice's.
    const stopKey = "stop-key-1";
    const stop = (name: string, headers: Record<string, string> = {}) =>
      inject({ method: "POST", url: `/api/v1/projects/demo/instances/${name}/stop`, headers: { ...headers, "idempotency-key": stopKey } });
    const aliceStop = await stop(alices.json().instance.name);
    expect(aliceStop.json()).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), instance: { state: "stopped" } });
    const bobStop = await stop(bobs.json().instance.name, bob);
    expect(bobStop.statusCode).toBe(202);
    expect(bobStop.json()).toMatchObject({ instance: { name: bobs.json().instance.name, state: "stopped" } });
    expect(bobStop.json().commit).toMatch(/^[0-9a-f]{40}$/);
    expect(bobStop.json().commit).not.toBe(aliceStop.json().commit);
  });

  it("are scoped to the person even for the very same stop: bob's stop of alice's instance, with her key, is his own request", async () => {
    const { inject, bob, repo } = await shared();
    const name = (await inject(launch("demo", { template: "static-site", name: "hello" }))).json().instance.name;
    const stop = (headers: Record<string, string> = {}) =>
      inject({ method: "POST", url: `/api/v1/projects/demo/instances/${name}/stop`, headers: { ...headers, "idempotency-key": "k" } });
    const start = (headers: Record<string, string> = {}) =>
      inject({ method: "POST", url: `/api/v1/projects/demo/instances/${name}/start`, headers: { ...headers, "idempotency-key": "k2" } });
    expect((await stop()).json().commit).toMatch(/^[0-9a-f]{40}$/);
    expect((await start(bob)).json().commit).toMatch(/^[0-9a-f]{40}$/);
    // Bob's stop with alice's key: not a replay of alice's, the instance stops again.
    const head = await repo.head();
    const bobStop = await stop(bob);
    expect(bobStop.json()).toMatchObject({ instance: { state: "stopped" } });
    expect(bobStop.json().commit).not.toBe(head);
    expect(await repo.head()).toBe(bobStop.json().commit);
  });

  it("are never published: the repository's trailers carry a digest, not the key", async () => {
    const { inject, repo } = await memoryApp();
    const key = "a-very-recognizable-key-8c1f";
    const launched = await inject(launch("demo", { template: "static-site", name: "hello" }, { "idempotency-key": key }));
    expect(launched.statusCode).toBe(202);
    await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop", headers: { "idempotency-key": `${key}-stop` } });
    await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "lab", lab: "imb" }, headers: { "idempotency-key": `${key}-project` } });
    const values = await trailerValues(repo);
    expect(values.some((value) => value.includes(key))).toBe(false);
    const ids = await requestIds(repo);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    const messages = (await repo.log({ limit: 1000 })).map((commit) => commit.subject).join("\n");
    expect(messages).not.toContain(key);
  });

  it("make concurrent launches with one key (and no name) one instance: the first writer wins, the others answer its instance", async () => {
    // A real git repository: commits take time, so the ten requests interleave as in production.
    const dir = await mkdtemp(join(tmpdir(), "plateau-requests-"));
    try {
      await initRepository({ dir });
      const { inject, repo } = await memoryApp({ repo: createGitRepository({ dir, clock: systemClock }) });
      const before = await repo.head();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => inject(launch("demo", { template: "static-site" }, { "idempotency-key": "ten-at-once" }))),
      );
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(202);
      const names = new Set(answers.map((answer) => answer.json().instance.name));
      expect(names.size).toBe(1);
      const commits = new Set(answers.map((answer) => answer.json().commit));
      expect(commits.size).toBe(1);
      expect(answers.filter((answer) => answer.json().replayed === false)).toHaveLength(1);
      expect((await inject({ url: "/api/v1/projects/demo/instances" })).json().items.map((i: { name: string }) => i.name)).toEqual([...names]);
      expect(await repo.log({ until: before })).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("make concurrent launches with one key one instance in a git repository too, whoever calls core", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-requests-"));
    try {
      await initRepository({ dir });
      const { plateau, repo } = await memoryPlateau({ repo: createGitRepository({ dir, clock: systemClock }) });
      const before = await repo.head();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => plateau.services.instances.launch({ template: "static-site", project: "u-alice", requestId: "one-key" }, alice)),
      );
      expect(new Set(results.map((result) => result.instance.name)).size).toBe(1);
      expect(results.filter((result) => !result.replayed)).toHaveLength(1);
      expect(await plateau.services.instances.list({ project: "u-alice" })).toHaveLength(1);
      expect(await repo.log({ until: before })).toHaveLength(1);
      await plateau.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("make concurrent stops with one key one request", async () => {
    const { inject, repo } = await memoryApp();
    await inject(launch("demo", { template: "static-site", name: "hello" }));
    const before = await repo.head();
    const stops = await Promise.all(
      Array.from({ length: 6 }, () => inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop", headers: { "idempotency-key": "same" } })),
    );
    for (const answer of stops) expect(answer.json()).toMatchObject({ instance: { state: "stopped" } });
    expect(new Set(stops.map((answer) => answer.json().commit)).size).toBe(1);
    expect(await repo.log({ until: before })).toHaveLength(1);
  });

  it("are one request per route and target: the same key elsewhere is another request", async () => {
    const { inject, repo } = await memoryApp();
    const key = "reused-everywhere";
    const first = await inject(launch("demo", { template: "static-site", name: "one" }, { "idempotency-key": key }));
    expect(first.json().replayed).toBe(false);
    // Another target (another project): a launch of its own.
    expect((await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "other", lab: "imb" } })).statusCode).toBe(201);
    const elsewhere = await inject(launch("other", { template: "static-site", name: "two" }, { "idempotency-key": key }));
    expect(elsewhere.json()).toMatchObject({ replayed: false, instance: { project: "other", name: "two" } });
    // Another route on the instance launched with that key: done.
    const stopped = await inject({ method: "POST", url: "/api/v1/projects/demo/instances/one/stop", headers: { "idempotency-key": key } });
    expect(stopped.json()).toMatchObject({ instance: { name: "one", state: "stopped" }, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const started = await inject({ method: "POST", url: "/api/v1/projects/demo/instances/one/start", headers: { "idempotency-key": key } });
    expect(started.json()).toMatchObject({ instance: { name: "one", state: "running" }, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // The same route on another target: done.
    const stoppedTwo = await inject({ method: "POST", url: "/api/v1/projects/other/instances/two/stop", headers: { "idempotency-key": key } });
    expect(stoppedTwo.json()).toMatchObject({ instance: { name: "two", state: "stopped" }, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // And the same request again is answered, not done again.
    const head = await repo.head();
    const again = await inject({ method: "POST", url: "/api/v1/projects/other/instances/two/stop", headers: { "idempotency-key": key } });
    expect(again.json().commit).toBe(stoppedTwo.json().commit);
    expect(await repo.head()).toBe(head);
    expect(new Set(await requestIds(repo)).size).toBe((await requestIds(repo)).length);
  });

  it("answer a retry from git alone: a fresh index over the same repository finds the first commit (a crash between commit and answer)", async () => {
    const first = await memoryPlateau();
    const launched = await first.plateau.services.instances.launch({ template: "static-site", project: "u-alice", requestId: "lost-answer" }, alice);
    const head = await first.repo.head();
    await first.plateau.stop();
    const restarted = await memoryPlateau({ repo: first.repo });
    const retry = await restarted.plateau.services.instances.launch({ template: "static-site", project: "u-alice", requestId: "lost-answer" }, alice);
    expect(retry).toMatchObject({ replayed: true, commit: launched.commit, instance: { name: launched.instance.name } });
    expect(await restarted.repo.head()).toBe(head);
    await restarted.plateau.stop();
  });

  it("answer a retried launch of an instance removed since with a conflict, not a second instance", async () => {
    const { inject } = await memoryApp();
    await inject(launch("demo", { template: "static-site", name: "gone" }, { "idempotency-key": "launch-gone" }));
    expect((await inject({ method: "DELETE", url: "/api/v1/projects/demo/instances/gone" })).statusCode).toBe(202);
    const retry = await inject(launch("demo", { template: "static-site", name: "gone" }, { "idempotency-key": "launch-gone" }));
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error.message).toContain("has since been removed");
    expect((await inject({ url: "/api/v1/projects/demo/instances/gone" })).statusCode).toBe(404);
  });

  it("refuses a key that is not 1 to 200 visible ASCII characters, doing nothing", async () => {
    const { inject, repo } = await memoryApp();
    const head = await repo.head();
    for (const key of ["x".repeat(201), "with space", "é"]) {
      const response = await inject(launch("demo", { template: "static-site" }, { "idempotency-key": key }));
      expect(response.statusCode, key).toBe(400);
      expect(response.json().error.issues[0]).toMatchObject({ pointer: "headers:/idempotency-key", rule: "pattern" });
    }
    expect(await repo.head()).toBe(head);
  });
});

describe("personal projects", () => {
  it("give jean_dupont and jean.dupont each their own", async () => {
    const app = await memoryApp();
    const underscore = await signedUp(app, "jean_dupont");
    const dot = await signedUp(app, "jean.dupont");
    const me = async (who: { headers: Record<string, string> }) => (await app.inject({ url: "/api/v1/me", headers: who.headers })).json().personalProject;
    const first = await me(underscore);
    const second = await me(dot);
    expect(first).not.toBe(second);
    for (const [who, project] of [
      [underscore, first],
      [dot, second],
    ] as const) {
      const launched = await app.inject(launch(project, { template: "static-site", name: "hello" }, who.headers));
      expect(launched.statusCode, launched.body).toBe(202);
      const read = await app.inject({ url: `/api/v1/projects/${project}`, headers: who.headers });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ name: project, personal: who.login, lab: null, instances: 1 });
    }
    // Neither sees the other's.
    expect((await app.inject({ url: `/api/v1/projects/${second}`, headers: underscore.headers })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/v1/projects/${first}`, headers: dot.headers })).statusCode).toBe(404);
    expect((await app.inject(launch(first, { template: "static-site" }, dot.headers))).statusCode).toBe(404);
  });

  it("give logins cut at 30 characters each their own, and keep u-<login> for a login that is a name", async () => {
    const app = await memoryApp();
    const long = "a-very-long-login-of-a-researcher";
    const one = await signedUp(app, `${long}-1`);
    const two = await signedUp(app, `${long}-2`);
    const names = [personalProjectName(one.login), personalProjectName(two.login)];
    expect(names[0]).not.toBe(names[1]);
    for (const [who, project] of [
      [one, names[0]],
      [two, names[1]],
    ] as const) {
      expect((await app.inject({ url: "/api/v1/me", headers: who.headers })).json().personalProject).toBe(project);
      expect((await app.inject(launch(project as string, { template: "static-site" }, who.headers))).statusCode).toBe(202);
    }
    expect((await app.inject({ url: "/api/v1/me", headers: await app.as("bob") })).json().personalProject).toBe("u-bob");
  });
});

describe("values", () => {
  const nested = (depth: number): Record<string, unknown> => {
    let value: Record<string, unknown> = {};
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  it("nested 2,000 levels deep are a 400 naming /values and the rule, committing nothing (launch and placement)", async () => {
    const { inject, repo } = await memoryApp();
    const head = await repo.head();
    for (const url of ["/api/v1/projects/demo/instances", "/api/v1/projects/demo/placement"]) {
      for (const template of ["static-site", "onyxia/jupyter-python"]) {
        const response = await inject({ method: "POST", url, payload: { template, values: nested(2000) } });
        expect(response.statusCode, `${url} ${template}`).toBe(400);
        expect(response.json().error).toEqual({
          code: "input",
          message: "/values: nested deeper than 32 levels",
          issues: [{ pointer: "/values", rule: "max-depth", message: "nested deeper than 32 levels" }],
        });
      }
    }
    expect(await repo.head()).toBe(head);
    expect((await inject({ url: "/api/v1/projects/demo/instances" })).json().items).toEqual([]);
  });

  it("too many or too large are a 400 too; within the bounds the template's own rules decide", async () => {
    const { inject, repo } = await memoryApp();
    const head = await repo.head();
    const many = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 0]));
    const manyAnswer = await inject(launch("demo", { template: "static-site", values: many }));
    expect(manyAnswer.statusCode).toBe(400);
    expect(manyAnswer.json().error.issues).toEqual([expect.objectContaining({ pointer: "/values", rule: "max-entries" })]);
    const large = await inject(launch("demo", { template: "static-site", values: { text: "x".repeat(200 * 1024) } }));
    expect(large.statusCode).toBe(400);
    expect(large.json().error.issues).toEqual([expect.objectContaining({ pointer: "/values", rule: "max-bytes" })]);
    // 32 levels pass the bound: the template refuses the unknown field itself.
    const deepButBounded = await inject(launch("demo", { template: "static-site", values: nested(31) }));
    expect(deepButBounded.statusCode).toBe(400);
    expect(deepButBounded.json().error.issues[0]).toMatchObject({ pointer: "/values/a", rule: "additionalProperties" });
    // A body beyond the route's limit is refused before it is parsed.
    const huge = await inject({
      method: "POST",
      url: "/api/v1/projects/demo/instances",
      payload: JSON.stringify({ template: "static-site", values: { text: "x".repeat(600 * 1024) } }),
      headers: { "content-type": "application/json" },
    });
    expect(huge.statusCode).toBe(413);
    expect(await repo.head()).toBe(head);
  });
});

describe("free text", () => {
  const BAD: Record<string, string> = {
    NUL: "a\u0000b",
    "a line break": "a\nb",
    "a C1 control": "a\u0085b",
    "a right-to-left override (U+202E)": "invoice\u202Efdp.exe",
    "a left-to-right isolate (U+2066)": "a\u2066b",
    // Invisible: a group named by a zero-width space alone reads as no name at all.
    "a zero-width space (U+200B)": "a\u200Bb",
    "a word joiner (U+2060)": "a\u2060b",
    "a zero-width no-break space (U+FEFF)": "a\uFEFFb",
    "a soft hyphen (U+00AD)": "a\u00ADb",
    "a Hangul filler (U+3164)": "a\u3164b",
    "a lone surrogate": "a\ud800b",
    "a lone low surrogate at the end": "ab\udc00",
    "a space at the start": " title",
    "a space at the end": "title ",
  };

  /** Each free-text field of the API, the request that carries it, and what must not have happened. */
  function fields(app: App) {
    return [
      {
        field: "/title",
        request: (text: string) => app.inject({ method: "POST", url: "/api/v1/projects", payload: { name: "lab", lab: "imb", title: text } }),
      },
      {
        field: "/members/1/group",
        request: (text: string) =>
          app.inject({
            method: "PUT",
            url: "/api/v1/projects/demo/members",
            payload: {
              members: [
                { login: "alice", role: "owner" },
                { group: `lab:${text}`, role: "viewer" },
              ],
            },
          }),
      },
      { field: "/name", request: (text: string) => app.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: text } }) },
      { field: "/template", request: (text: string) => app.inject(launch("demo", { template: `static-site${text}` })) },
      { field: "/version", request: (text: string) => app.inject(launch("demo", { template: "static-site", version: `1.0.0${text}` })) },
      { field: "/platform", request: (text: string) => app.inject(launch("demo", { template: "static-site", platform: `local${text}` })) },
    ];
  }

  it("refuses control characters, bidirectional controls, lone surrogates and surrounding spaces in every free-text field: 400 naming the field and the rule, nothing kept", async () => {
    const app = await memoryApp();
    const head = await app.repo.head();
    const tokens = (await app.inject({ url: "/api/v1/tokens" })).json().items.length;
    for (const { field, request } of fields(app)) {
      for (const [what, text] of Object.entries(BAD)) {
        // Spaces are refused at the ends of a title or a token name; the other fields are words (no space anywhere).
        const response = await request(text);
        expect(response.statusCode, `${field} with ${what}`).toBe(400);
        expect(response.json().error.issues, `${field} with ${what}`).toEqual([
          { pointer: field, rule: "text", message: expect.stringMatching(/^must be plain text: no control characters/) },
        ]);
      }
    }
    expect(await app.repo.head()).toBe(head);
    expect((await app.inject({ url: "/api/v1/tokens" })).json().items).toHaveLength(tokens);
    expect((await app.inject({ url: "/api/v1/projects/lab" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/api/v1/projects/demo" })).json().members).toEqual([{ login: "alice", role: "owner" }]);
  });

  it("accepts letters of any script, emoji, inner spaces and the implicit direction marks", async () => {
    const app = await memoryApp();
    // Joiners stay: emoji sequences (🧑‍🔬) and Persian or Indic words need U+200D and U+200C.
    for (const title of ["Modèles climatiques « 2026 »", "نماذج المناخ", "Labo 🧪 \u200F(test)", "Ω", "🧑\u200D🔬 می\u200Cخواهم"]) {
      const name = `lab-${title.length}`;
      const response = await app.inject({ method: "POST", url: "/api/v1/projects", payload: { name, lab: "imb", title } });
      expect(response.statusCode, title).toBe(201);
      expect(response.json().project.title).toBe(title);
    }
    expect((await app.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "laptop 🧪 of Élodie" } })).statusCode).toBe(201);
  });

  it("checks free text in core too, whoever calls", async () => {
    const { plateau } = await memoryPlateau();
    await expect(plateau.services.projects.create({ name: "lab", lab: "imb", title: "a\u202Eb" }, alice)).rejects.toMatchObject({
      issues: [expect.objectContaining({ pointer: "/title", rule: "text" })],
    });
    await expect(
      plateau.services.projects.setMembers(
        "u-alice",
        [
          { login: "alice", role: "owner" },
          { group: "a\u0000", role: "viewer" },
        ],
        alice,
      ),
    ).rejects.toMatchObject({ issues: [expect.objectContaining({ pointer: "/members/1/group", rule: "text" })] });
  });
});

describe("JSON bodies are not coerced", () => {
  it('refuses true or ["a"] for a string field, and "5" for a number; query strings are still coerced', async () => {
    const app = await memoryApp();
    const head = await app.repo.head();
    for (const title of [true, ["a"], 5, null]) {
      const response = await app.inject({ method: "POST", url: "/api/v1/projects", payload: { name: "lab", lab: "imb", title } });
      expect(response.statusCode, JSON.stringify(title)).toBe(400);
      expect(response.json().error.issues[0], JSON.stringify(title)).toMatchObject({ pointer: "/title", rule: "type" });
    }
    for (const template of [true, ["static-site"]]) {
      const response = await app.inject(launch("demo", { template }));
      expect(response.statusCode, JSON.stringify(template)).toBe(400);
      expect(response.json().error.issues[0]).toMatchObject({ pointer: "/template", rule: "type" });
    }
    const days = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/x/renew", payload: { days: "5" } });
    expect(days.statusCode).toBe(400);
    expect(days.json().error.issues[0]).toMatchObject({ pointer: "/days", rule: "type" });
    const write = await app.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "t", write: "false" } });
    expect(write.statusCode).toBe(400);
    expect(write.json().error.issues[0]).toMatchObject({ pointer: "/write", rule: "type" });
    expect(await app.repo.head()).toBe(head);

    // Query strings are text: ?limit=5 is the number 5.
    for (let i = 0; i < 7; i++) await app.inject(launch("demo", { template: "static-site" }));
    const history = await app.inject({ url: "/api/v1/history?project=demo&limit=5" });
    expect(history.statusCode).toBe(200);
    expect(history.json().items).toHaveLength(5);
    expect((await app.inject({ url: "/api/v1/history?project=demo&limit=five" })).json().error.issues[0]).toMatchObject({
      pointer: "?/limit",
      rule: "type",
    });
  });
});
