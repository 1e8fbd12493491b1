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

// Live updates. The board's stream is the htmx SSE extension's: the board
// names it with sse-connect, and every part reloads itself over HTTP (with
// this reader's permissions) on its events, hx-trigger="sse:review_notes"
// and so on, written from reviews/parts.py. The browser's EventSource sends
// Last-Event-ID when it reconnects, so the server replays what was missed;
// its "closed" frame (the reader lost access) ends the stream for good
// (sse-close="closed"). What the extension cannot know is which version of
// a part the page already shows: that small guard is all that is left here.
(function () {
  "use strict";
  function shownVersion(el) {
    const shown = el.querySelector("[data-version]");
    return shown ? Number(shown.dataset.version) : 0;
  }
  function isLivePart(el) {
    return el && el.classList && el.classList.contains("live-part");
  }
  // A signal for a change the part already shows (the reader's own, which
  // came back with the new content, or one replayed on reconnecting): no
  // reload, which would only swap the part under their cursor.
  document.addEventListener("htmx:confirm", function (event) {
    const trigger = event.detail.triggeringEvent;
    if (!trigger || typeof trigger.type !== "string" || trigger.type.indexOf("sse:") !== 0) return;
    const id = Number(trigger.detail && trigger.detail.lastEventId) || 0;
    if (id && isLivePart(event.detail.elt) && id <= shownVersion(event.detail.elt)) {
      event.preventDefault();
    }
  });
  // A reload that comes back with nothing newer than what is shown (the
  // reader's own change got there first) is not swapped in, so that the
  // form or button under their cursor stays where it is.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const config = event.detail.requestConfig || {};
    const el = event.detail.target;
    if (config.verb !== "get" || !isLivePart(el)) return;
    const match = /data-version="(\d+)"/.exec(event.detail.serverResponse || "");
    if (match && el.querySelector("[data-version]") && Number(match[1]) <= shownVersion(el)) {
      event.detail.shouldSwap = false;
    }
  });
  // A part can be replaced while its reload is on the way (the phase moved
  // on, or a reader's own form answered with the whole phase). That answer
  // must not land: htmx would swap it into the detached part and, to keep
  // hx-preserve fields, pull the live field the reader is typing in out of
  // the page. A detached part's events no longer reach the document, so the
  // guard sits on the part itself.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const el = event.detail.elt;
    if (!isLivePart(el) || el.dataset.swapGuard) return;
    el.dataset.swapGuard = "1";
    el.addEventListener("htmx:beforeSwap", function (swap) {
      if (swap.target === el && !el.isConnected) swap.detail.shouldSwap = false;
    });
  });
  // The stream ended because this reader may no longer read the review:
  // say so, as the board stops following it.
  document.addEventListener("htmx:sseClose", function (event) {
    if (!event.detail || event.detail.type !== "message") return;
    // A guest's part ended with the review: the page that says so replaces the board.
    if (event.target.closest && event.target.closest("[data-reload-when-closed]")) {
      window.location.reload();
      return;
    }
    const note = document.querySelector(".stream-closed");
    if (note) note.hidden = false;
  });
})();
