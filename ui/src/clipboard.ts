// Copying a value for the person to paste elsewhere.

/**
 * Copies `text` to the clipboard; when the clipboard is out of reach, selects the element
 * `elementId` instead so that Ctrl+C copies it. Answers whether the text was copied.
 */
export async function copyOrSelect(text: string, elementId: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const shown = document.getElementById(elementId);
    const selection = window.getSelection();
    if (shown && selection) selection.selectAllChildren(shown);
    return false;
  }
}
