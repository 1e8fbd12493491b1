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

// Live updates. The review's stream only says which part of the board
// changed (event kinds like "review_notes"); every element that shows that
// part names it in data-refresh-on and reloads itself over HTTP, with this
// reader's permissions. The browser's EventSource reconnects on its own and
// sends Last-Event-ID, so the server replays whatever was missed.
(function () {
  "use strict";
  const root = document.querySelector("[data-review-events]");
  if (!root || !window.EventSource) return;
  const kinds = ["phase", "presence", "notes", "safety", "followup", "themes", "votes", "discussion", "actions", "schedule"];
  const source = new EventSource(root.dataset.reviewEvents);
  // The server's last frame when this reader lost access: no reconnecting.
  source.addEventListener("closed", function () { source.close(); });
  kinds.forEach(function (kind) {
    const name = "review_" + kind;
    source.addEventListener(name, function (event) {
      const id = Number(event.lastEventId) || 0;
      document.querySelectorAll("[data-refresh-on]").forEach(function (el) {
        if (el.dataset.refreshOn.split(" ").indexOf(name) === -1 || !window.htmx) return;
        // Already showing this change (the reader's own, answered with the
        // new content): reloading would only swap the part under their cursor.
        const shown = el.querySelector("[data-version]");
        if (shown && id && id <= Number(shown.dataset.version)) return;
        // Not htmx.trigger: its event bubbles, and every enclosing part
        // (the whole phase, say) would reload too, replacing this one.
        el.dispatchEvent(new CustomEvent("refresh"));
      });
    });
  });
  // A reload that comes back with nothing newer than what is shown (the
  // reader's own change got there first) is not swapped in, so that the
  // form or button under their cursor stays where it is.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const config = event.detail.requestConfig || {};
    const el = event.detail.target;
    if (config.verb !== "get" || !el || !el.hasAttribute("data-refresh-on")) return;
    const shown = el.querySelector("[data-version]");
    const match = /data-version="(\d+)"/.exec(event.detail.serverResponse || "");
    if (shown && match && Number(match[1]) <= Number(shown.dataset.version)) {
      event.detail.shouldSwap = false;
    }
  });
  // A part can be replaced while its reload is on the way (the phase moved
  // on, or a reader's own form answered with the whole phase). That answer
  // must not land: htmx would swap it into the detached part and, to keep
  // hx-preserve fields, pull the live field the reader is typing in out of
  // the page. A detached part's events no longer reach the body, so the
  // guard sits on the part itself.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const el = event.detail.elt;
    if (!el || !el.hasAttribute("data-refresh-on") || el.dataset.swapGuard) return;
    el.dataset.swapGuard = "1";
    el.addEventListener("htmx:beforeSwap", function (swap) {
      if (swap.target === el && !el.isConnected) swap.detail.shouldSwap = false;
    });
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
