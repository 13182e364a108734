// Builds the portal (src/web) into dist/web, which `plateau up` serves on its own origin.
import { defineConfig } from "vite";

export default defineConfig({
  root: "src/web",
  base: "/",
  // React's automatic JSX runtime through esbuild: no Babel, no plugin.
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../../dist/web",
    emptyOutDir: true,
    target: "es2022",
    // One hashed bundle per entry is enough for this size; the server gzips it once at start-up.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
