// The places of the main window, in navigation order (Ctrl+1 … Ctrl+4).
export type Place = "connections" | "wizard" | "accounts" | "settings";

export const PLACES = [
  { id: "connections", label: "Connections" },
  { id: "wizard", label: "New connection" },
  { id: "accounts", label: "Accounts" },
  { id: "settings", label: "Settings" },
] as const satisfies readonly { id: Place; label: string }[];

/** The id of each view's heading, which receives focus when the view is shown. */
export function headingId(place: Place): string {
  return `${place}-heading`;
}
