// Builds the console (index.html) and the local GraphiQL page (graphiql.html) into the Python
// package, so `pip install .` serves both with no Node and no network. Hashed file names under
// assets/ are cached for a year by the server; the two HTML pages are never cached.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  build: {
    outDir: resolve(__dirname, "../app/console/static"),
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs in scripts or styles: the CSP allows files from 'self'
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        console: resolve(__dirname, "index.html"),
        graphiql: resolve(__dirname, "graphiql.html"),
      },
    },
  },
});
