// tauri.conf.json sets `freezePrototype: true`, which freezes Object.prototype before the page's
// scripts run. The UI must keep working under it. (Vitest runs each test file in its own
// isolated context, so the freeze does not leak into other files.)
import { afterEach, expect, test } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import { fakeBackend, settle } from "./ipc/fake";

afterEach(() => {
  clearMocks();
});

test("the app works with Object.prototype frozen", async () => {
  Object.freeze(Object.prototype);
  const calls = fakeBackend();
  const app = mount(App, { target: document.body });
  await settle();
  expect(document.getElementById("app-version")?.textContent).toBe("spconnect 0.1.0");

  document.getElementById("nav-settings")?.click();
  await settle();
  document.querySelector<HTMLInputElement>('input[value="custom"]')?.click();
  flushSync();
  for (const [id, value] of [
    ["custom-authority", "https://login.contoso.test"],
    ["custom-graph", "https://graph.contoso.test"],
  ] as const) {
    const input = document.getElementById(id) as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  flushSync();
  document.getElementById("save-settings")?.click();
  await settle();
  expect(calls.at(-1)?.cmd).toBe("save_settings");
  expect(document.getElementById("settings-status")?.textContent).toBe("Saved.");
  expect(document.getElementById("endpoint-graph")?.textContent).toBe("https://graph.contoso.test");
  unmount(app);
});
