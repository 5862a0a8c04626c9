// Copy buttons for the portal's sections on the case page. Progressive enhancement: without
// this script each entry is a read-only text box to select and copy by hand; with it, each
// entry's "Copy" button appears and puts the entry's text on the clipboard.
"use strict";
document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      button.textContent = "Copied";
    } catch {
      source.select();
      button.textContent = "Select and copy";
    }
  });
});
