// Read by both vite-plugin-svelte and svelte-check.
/** @type {import("@sveltejs/vite-plugin-svelte").SvelteConfig} */
export default {
  compilerOptions: {
    // Component styles go to the emitted CSS file, never into <style> tags at run time:
    // the app's CSP allows styles from 'self' only.
    css: "external",
    runes: true,
  },
};
