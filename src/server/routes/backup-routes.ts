// Disaster recovery's API (ADR 0034): the backup routes. Filled in by its piece of issue 16.
import type { App, ServerDeps } from "../app.js";

export function registerBackupRoutes(_app: App, _deps: ServerDeps): void {}
