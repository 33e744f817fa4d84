import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { uiReady } from "./ipc";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

const app = mount(App, { target });

// The first frame callback runs before the first paint and the second one after it, so
// ui_ready is sent once the first page is on screen (a start-up benchmark waits for it).
requestAnimationFrame(() => {
  requestAnimationFrame(() => {
    uiReady().catch((e: unknown) => console.warn("ui_ready was not delivered:", e));
  });
});

export default app;
