import { afterEach, describe, expect, test } from "vitest";
import { flushSync, mount } from "svelte";
import Settings from "./Settings.svelte";
import type { AppInfo, DemoInfo, SettingsView } from "../ipc";
import { DEMO_INFO, GLOBAL_VIEW, INFO, deferred, fakeBackend, settle } from "../ipc/fake";
import { cleanUp, track } from "../testing";

async function show(info: AppInfo = INFO): Promise<void> {
  track(mount(Settings, { target: document.body, props: { info } }));
  await settle();
}

afterEach(cleanUp);

function $<T extends Element = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`${selector} is not on the page`);
  return el;
}

function choose(cloud: string) {
  $<HTMLInputElement>(`input[name="cloud"][value="${cloud}"]`).click();
  flushSync();
}

function type(selector: string, text: string) {
  const input = $<HTMLInputElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

function submit() {
  $<HTMLButtonElement>("#save-settings").click();
  flushSync();
}

const CUSTOM_VIEW: SettingsView = {
  settings: {
    cloud: { kind: "custom", authorityHost: "https://login.contoso.test", graphHost: "https://graph.contoso.test" },
    tenantProfiles: [],
  },
  endpoints: { authorityHost: "https://login.contoso.test", graphHost: "https://graph.contoso.test" },
  notice: null,
};

describe("Settings", () => {
  test("loads the clouds, the current choice, the endpoints and the folders", async () => {
    const calls = fakeBackend();
    await show();
    expect(calls.map((c) => c.cmd).sort()).toEqual(["get_settings", "list_clouds"]);

    const radios = [...document.querySelectorAll<HTMLInputElement>('input[type="radio"][name="cloud"]')];
    expect(radios.map((r) => r.value)).toEqual(["global", "usGovGccHigh", "usGovDod", "china", "custom"]);
    expect(radios.filter((r) => r.checked).map((r) => r.value)).toEqual(["global"]);
    expect(document.body.textContent).toContain("US Government GCC High");
    expect($("#cloud-usGovGccHigh-hosts").textContent).toContain("https://login.microsoftonline.us");
    expect($("#cloud-usGovGccHigh-hosts").textContent).toContain("https://graph.microsoft.us");

    expect($("#endpoint-authority").textContent).toBe("https://login.microsoftonline.com");
    expect($("#endpoint-graph").textContent).toBe("https://graph.microsoft.com");
    expect($("#config-dir").textContent).toBe(INFO.configDir);
    expect($("#log-dir").textContent).toBe(INFO.logDir);
    expect(document.querySelector("#custom-authority")).toBeNull();
    expect(document.querySelector("#settings-notice")).toBeNull();
    expect(document.querySelector("#settings-error")).toBeNull();
    expect($<HTMLButtonElement>("#save-settings").disabled).toBe(false);
  });

  test("shows a saved custom cloud and the notice from Rust", async () => {
    fakeBackend({
      get_settings: () => ({ ...CUSTOM_VIEW, notice: "The settings file was unreadable; it was kept aside." }),
    });
    await show();
    expect($<HTMLInputElement>('input[value="custom"]').checked).toBe(true);
    expect($<HTMLInputElement>("#custom-authority").value).toBe("https://login.contoso.test");
    expect($<HTMLInputElement>("#custom-graph").value).toBe("https://graph.contoso.test");
    expect($("#settings-notice").textContent).toBe("The settings file was unreadable; it was kept aside.");
  });

  test("Custom shows two labelled inputs whose values survive switching away and back", async () => {
    fakeBackend();
    await show();
    choose("custom");
    expect($<HTMLInputElement>("#custom-authority").placeholder).toBe("https://login.example.com");
    expect($('label[for="custom-authority"]').textContent).toBe("Authority host");
    expect($('label[for="custom-graph"]').textContent).toBe("Graph host");

    type("#custom-authority", "https://login.fabrikam.test");
    type("#custom-graph", "https://graph.fabrikam.test");
    choose("china");
    expect(document.querySelector("#custom-authority")).toBeNull();
    choose("custom");
    expect($<HTMLInputElement>("#custom-authority").value).toBe("https://login.fabrikam.test");
    expect($<HTMLInputElement>("#custom-graph").value).toBe("https://graph.fabrikam.test");
  });

  test("Save sends the custom cloud, says Saving… meanwhile, then Saved. with the endpoints", async () => {
    const answer = deferred<SettingsView>();
    const calls = fakeBackend({ save_settings: () => answer.promise });
    await show();
    choose("custom");
    type("#custom-authority", "https://login.contoso.test");
    type("#custom-graph", "https://graph.contoso.test");
    submit();
    await settle();

    const button = $<HTMLButtonElement>("#save-settings");
    expect(button.disabled).toBe(true);
    expect(button.textContent?.trim()).toBe("Saving…");
    expect(calls.at(-1)).toEqual({
      cmd: "save_settings",
      args: {
        settings: {
          cloud: { kind: "custom", authorityHost: "https://login.contoso.test", graphHost: "https://graph.contoso.test" },
          tenantProfiles: [],
        },
      },
    });

    answer.resolve(CUSTOM_VIEW);
    await settle();
    expect(button.disabled).toBe(false);
    expect(button.textContent?.trim()).toBe("Save");
    const status = $("#settings-status");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.textContent).toBe("Saved.");
    expect($("#endpoint-authority").textContent).toBe("https://login.contoso.test");
    expect($("#endpoint-graph").textContent).toBe("https://graph.contoso.test");
  });

  test("Save of a built-in cloud sends only its kind", async () => {
    const calls = fakeBackend();
    await show();
    choose("usGovDod");
    submit();
    await settle();
    expect(calls.at(-1)).toEqual({ cmd: "save_settings", args: { settings: { cloud: { kind: "usGovDod" }, tenantProfiles: [] } } });
    expect($("#endpoint-graph").textContent).toBe("https://dod-graph.microsoft.us");
  });

  test("an invalidInput error shows next to its field and nothing typed is lost", async () => {
    fakeBackend({
      save_settings: () => {
        throw { code: "invalidInput", message: "The Graph host must be an https:// origin.", field: "graphHost" };
      },
    });
    await show();
    choose("custom");
    type("#custom-authority", "https://login.contoso.test");
    type("#custom-graph", "graph.contoso.test/v1.0");
    submit();
    await settle();

    const graph = $<HTMLInputElement>("#custom-graph");
    expect(graph.getAttribute("aria-invalid")).toBe("true");
    expect(graph.getAttribute("aria-describedby")).toBe("custom-graph-error");
    expect($("#custom-graph-error").textContent).toBe("The Graph host must be an https:// origin.");
    expect(document.activeElement).toBe(graph);
    const authority = $<HTMLInputElement>("#custom-authority");
    expect(authority.getAttribute("aria-invalid")).toBeNull();
    expect(document.querySelector("#custom-authority-error")).toBeNull();

    expect($("#settings-error").getAttribute("role")).toBe("alert");
    expect($("#settings-error").textContent).toBe("Not saved. Check the Graph host.");
    expect($("#settings-status").textContent).toBe("");
    expect(authority.value).toBe("https://login.contoso.test");
    expect(graph.value).toBe("graph.contoso.test/v1.0");
    expect($<HTMLButtonElement>("#save-settings").disabled).toBe(false);

    type("#custom-graph", "https://graph.contoso.test");
    expect(graph.getAttribute("aria-invalid")).toBeNull();
    expect(document.querySelector("#custom-graph-error")).toBeNull();
  });

  test("an error without a field is shown in the alert only", async () => {
    fakeBackend({
      save_settings: () => {
        throw { code: "storage", message: "The settings file could not be written: disk full.", field: null };
      },
    });
    await show();
    submit();
    await settle();
    expect($("#settings-error").textContent).toBe("The settings file could not be written: disk full.");
    expect(document.querySelector(".field-error")).toBeNull();
  });

  test("a failed load says why and can be tried again", async () => {
    let fail = true;
    fakeBackend({
      get_settings: () => {
        if (fail) throw { code: "storage", message: "The settings folder cannot be read.", field: null };
        return GLOBAL_VIEW;
      },
    });
    await show();
    expect($("#settings-error").textContent).toBe("The settings folder cannot be read.");
    expect($<HTMLButtonElement>("#save-settings").disabled).toBe(true);

    fail = false;
    const retry = [...document.querySelectorAll("button")].find((b) => b.textContent === "Try again");
    expect(retry).toBeDefined();
    retry?.click();
    await settle();
    expect(document.querySelector("#settings-error")).toBeNull();
    expect($("#endpoint-authority").textContent).toBe("https://login.microsoftonline.com");
    expect($<HTMLButtonElement>("#save-settings").disabled).toBe(false);
  });

  test("without the demo tenant there is no demo section and no reset", async () => {
    fakeBackend();
    await show();
    expect(document.querySelector("#demo-heading")).toBeNull();
    expect(document.querySelector("#reset-demo")).toBeNull();
  });

  test("on the demo tenant, reset asks first; Cancel changes nothing and returns the focus", async () => {
    const calls = fakeBackend();
    await show(DEMO_INFO);
    expect($("#demo-state").textContent).toContain("/home/admin/.local/share/spconnect/demo-tenant");
    $<HTMLButtonElement>("#reset-demo").click();
    await settle();
    expect($("#reset-question").textContent).toContain("Everything created in it is deleted");
    expect(document.activeElement?.id).toBe("cancel-reset");
    $<HTMLButtonElement>("#cancel-reset").click();
    await settle();
    expect(document.querySelector("#reset-question")).toBeNull();
    expect(document.activeElement?.id).toBe("reset-demo");
    expect(calls.map((c) => c.cmd)).not.toContain("reset_demo_tenant");
  });

  test("a confirmed reset says Resetting… meanwhile, then that it is done", async () => {
    const answer = deferred<DemoInfo>();
    const calls = fakeBackend({ reset_demo_tenant: () => answer.promise });
    await show(DEMO_INFO);
    $<HTMLButtonElement>("#reset-demo").click();
    await settle();
    $<HTMLButtonElement>("#confirm-reset").click();
    await settle();
    expect($<HTMLButtonElement>("#confirm-reset").textContent?.trim()).toBe("Resetting…");
    expect($<HTMLButtonElement>("#confirm-reset").disabled).toBe(true);
    expect($<HTMLButtonElement>("#cancel-reset").disabled).toBe(true);
    answer.resolve({ ...(DEMO_INFO.demo as DemoInfo), notices: [] });
    await settle();
    expect(calls.filter((c) => c.cmd === "reset_demo_tenant")).toHaveLength(1);
    expect($("#demo-status").textContent).toBe("The demo tenant was reset: it is as shipped again.");
    expect(document.querySelector("#reset-question")).toBeNull();
    expect(document.activeElement?.id).toBe("reset-demo");
  });

  test("a failed reset says why and can be confirmed again", async () => {
    fakeBackend({
      reset_demo_tenant: () => {
        throw { code: "storage", message: "The demo tenant was not reset: the folder is read-only.", field: null };
      },
    });
    await show(DEMO_INFO);
    $<HTMLButtonElement>("#reset-demo").click();
    await settle();
    $<HTMLButtonElement>("#confirm-reset").click();
    await settle();
    expect($("#demo-error").textContent).toBe("The demo tenant was not reset: the folder is read-only.");
    expect($("#demo-status").textContent).toBe("");
    expect($<HTMLButtonElement>("#confirm-reset").disabled).toBe(false);
  });

  test("what the demo tenant reported about its saved state is shown", async () => {
    fakeBackend();
    const demo = { ...(DEMO_INFO.demo as DemoInfo), notices: ["The state file tenants/x.json could not be read; it was kept as x.corrupt-1."] };
    await show({ ...DEMO_INFO, demo });
    expect($(".demo-notice").textContent).toContain("could not be read");
  });

  test("tenant profiles: added and removed with the saved cloud, a bad client id shown at its field", async () => {
    const profile = { tenant: "fabrikam.onmicrosoft.com", clientId: "2c7f9e1a-4b3d-4e8f-a6c2-9d1b0e5f7a43" };
    const calls = fakeBackend({
      save_settings: ({ settings }) => {
        if (settings.tenantProfiles.some((p) => p.clientId === "nope")) {
          throw { code: "invalidInput", message: "The client id \"nope\" is not usable.", field: "clientId" };
        }
        return { ...GLOBAL_VIEW, settings };
      },
    });
    await show();
    expect($("#no-profiles").textContent).toBe("None yet.");
    // An unsaved cloud choice above is not saved with a profile.
    choose("china");
    type("#profile-tenant", profile.tenant);
    type("#profile-clientId", "nope");
    $<HTMLButtonElement>("#add-profile").click();
    await settle();
    expect($("#profile-clientId-error").textContent).toContain("is not usable");
    expect(document.activeElement?.id).toBe("profile-clientId");
    type("#profile-clientId", profile.clientId);
    $<HTMLButtonElement>("#add-profile").click();
    await settle();
    expect(calls.at(-1)).toEqual({
      cmd: "save_settings",
      args: { settings: { cloud: { kind: "global" }, tenantProfiles: [profile] } },
    });
    expect(document.querySelector(".profiles")?.textContent).toContain(profile.clientId);
    expect($<HTMLInputElement>("#profile-tenant").value).toBe("");
    expect($<HTMLInputElement>('input[name="cloud"][value="china"]').checked).toBe(true);

    $<HTMLButtonElement>('button[aria-label="Remove the sign-in application of fabrikam.onmicrosoft.com"]').click();
    await settle();
    expect(calls.at(-1)).toEqual({
      cmd: "save_settings",
      args: { settings: { cloud: { kind: "global" }, tenantProfiles: [] } },
    });
    expect($("#profile-status").textContent).toContain("Removed");
  });
});
