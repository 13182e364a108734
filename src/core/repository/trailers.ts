/** Git trailers Plateau writes in each commit message: machine-readable facts of the change. */
export const TRAILERS = {
  action: "Plateau-Action",
  instance: "Plateau-Instance",
  project: "Plateau-Project",
  requestId: "Plateau-Request-Id",
  platform: "Plateau-Platform",
} as const;
