import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig(({ mode }) => ({
  plugins: [svelte({ emitCss: true })],
  // Svelte 5 must resolve to its browser build for components to mount in tests.
  ...(mode === "test" ? { resolve: { conditions: ["browser"] } } : {}),
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    target: ["es2021", "safari15"],
    // WebKitGTK supports modulepreload; no polyfill code needed.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.ts"],
  },
}));
