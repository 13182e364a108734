// The portal's addresses, shared by the server (which answers them with the portal's page)
// and the portal (which routes them in the browser).

/** First path segments that belong to the portal; `/` is the home page. */
export const PORTAL_SECTIONS = ["catalog", "launch", "projects", "labs", "platforms", "audit", "tokens", "notifications", "sign-in", "recovery"] as const;

/** Whether a path (without query) is one of the portal's pages. */
export function isPortalPath(path: string): boolean {
  if (path === "/") return true;
  const section = path.split("/")[1] ?? "";
  return (PORTAL_SECTIONS as readonly string[]).includes(section);
}
