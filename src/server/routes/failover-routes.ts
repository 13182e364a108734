// Disaster recovery's API (ADR 0034): the failover routes. Filled in by its piece of issue 16.
import type { App, ServerDeps } from "../app.js";

export function registerFailoverRoutes(_app: App, _deps: ServerDeps): void {}
