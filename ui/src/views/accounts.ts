// Small helpers of the Accounts view and the wizard's Account step.
import type { AccountView } from "../ipc";

/** The key an account's tokens are kept under, as one string. */
export function keyOf(account: AccountView): string {
  return `${account.tenantId}.${account.objectId}.${account.clientId}`;
}

/** A part of element ids unique to an account (one person may sign in through two clients). */
export function idOf(account: AccountView): string {
  return `${account.objectId}-${account.clientId}`;
}

/** "Signed in on 3 December 2026 at 17:20" in the person's locale. */
export function signedInText(seconds: number): string {
  if (!seconds) return "";
  const when = new Date(seconds * 1000);
  return `Signed in ${when.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" })}`;
}
