import { describe, expect, it } from "vitest";
import type { IndexedInstance } from "../ports/state-index.js";
import { toView } from "./views.js";

const indexed = (extra: Partial<IndexedInstance> = {}): IndexedInstance => ({
  project: "demo",
  name: "agent",
  template: "ide/daemon",
  templateVersion: "1.4.2",
  platform: "plmshift",
  state: "running",
  values: {},
  placementReason: "only platform",
  createdAt: "2026-03-01T09:00:00.000Z",
  createdBy: "alice",
  expiresAt: "2026-03-31T09:00:00.000Z",
  ...extra,
});

describe("an instance's view", () => {
  it("says what its expiry does: removed when its intent says its expiry removes it, else stopped", () => {
    expect(toView(indexed({ stopBy: "remove-on-expiry" }), undefined, null)).toMatchObject({ expiresAt: "2026-03-31T09:00:00.000Z", expiry: "remove" });
    expect(toView(indexed({ stopBy: "replicas" }), undefined, null).expiry).toBe("stop");
    // Rows indexed before the fact was (and templates, charts with global.suspend): as before, it stops.
    expect(toView(indexed(), undefined, null).expiry).toBe("stop");
    expect(toView(indexed({ stopBy: "remove-on-expiry" }), undefined, null)).not.toHaveProperty("stopBy");
  });

  it("says nothing of an expiry it does not have, or when this Plateau does not expire instances", () => {
    expect(toView(indexed({ expiresAt: null, stopBy: "remove-on-expiry" }), undefined, null)).not.toHaveProperty("expiry");
    const notExpiring = toView(indexed({ stopBy: "remove-on-expiry" }), undefined, null, false);
    expect(notExpiring.expiresAt).toBeNull();
    expect(notExpiring).not.toHaveProperty("expiry");
  });
});
