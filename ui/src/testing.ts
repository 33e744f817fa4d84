// Test support shared by the component tests: what a test mounted is removed after it, with the
// IPC mocks, so every test starts from an empty page.
import { mount, unmount } from "svelte";
import { clearMocks } from "@tauri-apps/api/mocks";

let mounted: ReturnType<typeof mount> | null = null;

/** Remembers a mounted component so that `cleanUp` removes it. */
export function track(component: ReturnType<typeof mount>): void {
  mounted = component;
}

/** Unmounts what was mounted, empties the page and clears the IPC mocks (use in `afterEach`). */
export function cleanUp(): void {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = "";
  clearMocks();
}
