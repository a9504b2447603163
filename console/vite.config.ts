// Builds the console (index.html) and the local GraphiQL page (graphiql.html) into the Python
// package, so `pip install .` serves both with no Node and no network. Hashed file names under
// assets/ are cached for a year by the server; the two HTML pages are never cached.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  build: {
    outDir: resolve(import.meta.dirname, "../app/console/static"),
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs in scripts or styles: the CSP allows files from 'self'
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // React libraries mark modules "use client" for server components; a client bundle needs no notice.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
      input: {
        console: resolve(import.meta.dirname, "index.html"),
        graphiql: resolve(import.meta.dirname, "graphiql.html"),
      },
    },
  },
});
