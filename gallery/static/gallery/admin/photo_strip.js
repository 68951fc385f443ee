// The article's photo strip in the admin: drag a row to reorder the photos; the position fields are renumbered
// in the new order and saved with the form. Without JavaScript the position fields are edited by hand.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const strip of document.querySelectorAll("fieldset.photo-strip tbody")) {
    let dragged = null;
    const rows = () => [...strip.querySelectorAll("tr.has_original")];
    const renumber = () => rows().forEach((row, index) => {
      const position = row.querySelector('input[name$="-position"]');
      if (position) position.value = index + 1;  // shown from 1, as the gallery numbers photos
    });
    for (const row of rows()) {
      row.draggable = true;
      row.style.cursor = "move";
      row.addEventListener("dragstart", (event) => {
        dragged = row;
        event.dataTransfer.effectAllowed = "move";
      });
      row.addEventListener("dragover", (event) => {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        const box = row.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
      });
      row.addEventListener("dragend", () => {
        dragged = null;
        renumber();
      });
    }
  }
});
