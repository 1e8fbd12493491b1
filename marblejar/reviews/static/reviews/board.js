// The review board: drag a card onto another card or onto a theme to group
// them, or back onto a column to take it out of its theme. The keyboard way
// is the "Move to…" menu on each card; dragging fills in that same form
// (its hidden "onto" or "drop" field) and submits it, so both go one path.
(function () {
  "use strict";
  let dragged = null;

  function targetOf(event) {
    if (!event.target.closest || !dragged) return null;
    const card = event.target.closest(".card-note[data-note]");
    if (card && card !== dragged) return card;
    return event.target.closest(".drop-zone");
  }

  function clear() {
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  }

  document.addEventListener("dragstart", function (event) {
    const note = event.target.closest && event.target.closest(".card-note[data-note]");
    if (!note || note.getAttribute("draggable") !== "true") return;
    dragged = note;
    note.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", note.dataset.note);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clear();
  });

  document.addEventListener("dragover", function (event) {
    const target = targetOf(event);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clear();
    target.classList.add("drop-target");
  });

  document.addEventListener("drop", function (event) {
    const target = targetOf(event);
    if (!target) return;
    event.preventDefault();
    clear();
    const form = dragged.querySelector(".move-form");
    if (!form) return;
    if (target.matches(".card-note[data-note]")) {
      form.querySelector("input[name=onto]").value = target.dataset.note;
    } else {
      // A column is data-theme="": out of any theme (nothing to do for a
      // card that is in none).
      if (!target.dataset.theme && !dragged.closest(".theme-stack")) return;
      form.querySelector("input[name=drop]").value = target.dataset.theme || "";
    }
    form.requestSubmit();
  });
})();

// The phase timer: the server says how many seconds were left when it drew
// the part; this counts down between reloads and says, without a sound,
// when time is up.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".timer[data-running]").forEach(function (el) {
      if (!el.dataset.endsAt) el.dataset.endsAt = String(Date.now() + Number(el.dataset.seconds) * 1000);
      const left = Math.max(0, Math.round((Number(el.dataset.endsAt) - Date.now()) / 1000));
      const clock = el.querySelector(".timer-clock");
      if (clock) clock.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      if (left === 0 && !el.classList.contains("timer-done")) {
        el.classList.add("timer-done");
        const up = el.querySelector(".timer-up");
        if (up) up.textContent = el.dataset.upText || up.textContent;
      }
    });
  }
  setInterval(tick, 1000);
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
  // The event names come from the page, which has them from reviews/parts.py.
  const kinds = (root.dataset.reviewKinds || "").split(" ").filter(Boolean);
  const source = new EventSource(root.dataset.reviewEvents);
  // The server's last frame when this reader lost access: no reconnecting.
  source.addEventListener("closed", function () {
    source.close();
    // A guest's part ended with the review: the page that says so replaces the board.
    if ("reloadWhenClosed" in root.dataset) window.location.reload();
  });
  kinds.forEach(function (name) {
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
