// Words and sums about connections shared by the wizard's Connection and Test steps and the
// Connections view.
import type { ConnectionView, Progress, StepKind, StepState } from "../ipc";

/** Each step of an apply, as the person reads it in the progress list. */
export const STEP_NAMES: Record<StepKind, string> = {
  certificate: "Certificate made on this computer",
  resources: "Permission ids looked up",
  application: "Application created",
  servicePrincipal: "Service principal created",
  consent: "Admin consent granted",
  sites: "Site access granted",
  verify: "Connection checked with its certificate",
  save: "Connection kept on this computer",
};

/** A step's state in words. */
export const STATE_NAMES: Record<StepState, string> = {
  running: "running",
  waiting: "waiting",
  done: "done",
  skipped: "skipped (already done)",
  failed: "failed",
};

/** Elapsed time in seconds, one decimal. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One progress message as a line of text ("Service principal created: waiting (check 3), 4.5 s: …"). */
export function progressLine(p: Progress): string {
  const attempt = p.state === "waiting" && p.attempt > 0 ? ` (check ${p.attempt})` : "";
  return `${STEP_NAMES[p.step]}: ${STATE_NAMES[p.state]}${attempt}, ${seconds(p.elapsedMs)}${p.detail ? `. ${p.detail}` : ""}`;
}

const DAY = 24 * 3600 * 1000;

/** Whole days until the connection's certificate expires (negative once it has). */
export function daysLeft(c: ConnectionView, now = Date.now()): number {
  return Math.floor((Date.parse(c.certificate.notAfter) - now) / DAY);
}
