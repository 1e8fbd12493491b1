// The review board: drag a note onto a theme to group it. The keyboard way
// is the "Theme" list and "Move" button under each note; dragging only
// fills in that same form and submits it, so both go through one path.
(function () {
  "use strict";
  let dragged = null;

  document.addEventListener("dragstart", function (event) {
    const note = event.target.closest && event.target.closest(".note[data-note]");
    if (!note || note.getAttribute("draggable") !== "true") return;
    dragged = note;
    note.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", note.dataset.note);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    const zone = event.target.closest && event.target.closest(".theme-drop");
    if (!zone || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    const zone = event.target.closest && event.target.closest(".theme-drop");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    const zone = event.target.closest && event.target.closest(".theme-drop");
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("drop-target");
    const form = dragged.querySelector(".move-form");
    const select = form && form.querySelector("select[name=theme]");
    if (!select) return;
    select.value = zone.dataset.theme || "";
    form.requestSubmit();
  });
})();
