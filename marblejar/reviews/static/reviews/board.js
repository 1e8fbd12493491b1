// The review board: drag a card onto another card or onto a theme to group
// them, or back onto a column to take it out of its theme. The keyboard way
// is "Move to…" on each card: a link to the page that moves the card
// (without JavaScript), which this turns into a button that opens the
// group part's one shared menu (#move-menu) at the foot of that card. Dragging fills
// in that same form (its hidden "onto" or "drop" field) for the dragged card
// and submits it, so both go one path.
(function () {
  "use strict";
  let dragged = null;
  let opener = null;

  function menu() { return document.getElementById("move-menu"); }

  // Aim the shared form at one card: its URL is the card's own "Move to…" link.
  function aim(card) {
    const m = menu();
    const link = card && card.querySelector("a.move-link");
    if (!m || !link) return null;
    const form = m.querySelector("form");
    form.setAttribute("action", link.getAttribute("href"));
    form.querySelector("input[name=onto]").value = "";
    form.querySelector("input[name=drop]").value = "";
    return form;
  }

  // htmx read the form's hx-post once, with a stand-in id: send it to the card's URL.
  // The card moved from the menu gets the focus back in its new place.
  let moved = null;
  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("#move-menu form")) return;
    event.detail.path = elt.getAttribute("action");
    const card = elt.closest(".card-note[data-note]");
    moved = opener && card ? card.dataset.note : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!moved) return;
    const link = document.querySelector('.card-note[data-note="' + moved + '"] a.move-link');
    moved = null;
    if (link && (!document.activeElement || document.activeElement === document.body)) link.focus();
  });

  function upgrade() {
    if (!menu()) return;
    document.querySelectorAll("a.move-link:not([role])").forEach(function (link) {
      link.setAttribute("role", "button");
      link.setAttribute("aria-haspopup", "menu");
      link.setAttribute("aria-expanded", "false");
      link.setAttribute("aria-controls", "move-menu");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", upgrade);
  else upgrade();
  document.addEventListener("htmx:afterSettle", upgrade);

  function items() {
    const m = menu();
    if (!m) return [];
    return Array.prototype.filter.call(m.querySelectorAll("[role=menuitem]"), function (b) {
      return !b.closest("[hidden]");
    });
  }

  function close(returnFocus) {
    const m = menu();
    if (m) m.hidden = true;
    const link = opener;
    opener = null;
    if (link) {
      link.setAttribute("aria-expanded", "false");
      if (returnFocus && link.isConnected) link.focus();
    }
  }

  function open(link) {
    const card = link.closest(".card-note");
    const form = aim(card);
    if (!form) return;
    if (opener && opener !== link) close(false);
    const m = menu();
    const stack = card.closest(".theme-stack");
    const theme = stack ? stack.dataset.theme : "";
    // Every theme but the card's own; "Back to" its column for a card in a theme.
    m.querySelectorAll("button[name=theme]").forEach(function (button) {
      const li = button.parentNode;
      if (li.dataset.back !== undefined) li.hidden = !theme || li.dataset.back !== card.dataset.col;
      else li.hidden = button.value === theme;
    });
    card.appendChild(m);  // under the card's words, which stay in view
    m.hidden = false;
    link.setAttribute("aria-expanded", "true");
    opener = link;
    const first = items()[0];
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.move-link");
    if (link && menu()) {
      event.preventDefault();
      if (opener === link) close(true);
      else open(link);
      return;
    }
    if (opener && !(event.target.closest && event.target.closest("#move-menu"))) close(false);
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (!target.closest) return;
    const link = target.closest("a.move-link");
    if (link && menu() && (event.key === " " || event.key === "ArrowDown")) {
      event.preventDefault();  // a link does not answer Space by itself
      open(link);
      return;
    }
    if (!opener) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
      return;
    }
    if (!target.closest("#move-menu")) return;
    const list = items();
    const at = list.indexOf(target);
    let next = null;
    if (event.key === "ArrowDown") next = list[(at + 1) % list.length];
    else if (event.key === "ArrowUp") next = list[(at - 1 + list.length) % list.length];
    else if (event.key === "Home") next = list[0];
    else if (event.key === "End") next = list[list.length - 1];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  // Tabbing out of the menu (past its last item, or back to its card) closes it.
  document.addEventListener("focusout", function (event) {
    if (!opener || !event.target.closest || !event.target.closest("#move-menu")) return;
    const to = event.relatedTarget;
    if (to && to.closest && to.closest("#move-menu")) return;
    if (!to) return;  // the window lost focus, or a click inside: the click decides
    close(false);
  });

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
    if (opener) close(false);
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
    if (target.matches(".card-note[data-note]")) {
      const form = aim(dragged);
      if (!form) return;
      form.querySelector("input[name=onto]").value = target.dataset.note;
      form.requestSubmit();
    } else {
      // A column is data-theme="": out of any theme (nothing to do for a
      // card that is in none).
      if (!target.dataset.theme && !dragged.closest(".theme-stack")) return;
      const form = aim(dragged);
      if (!form) return;
      form.querySelector("input[name=drop]").value = target.dataset.theme || "";
      form.requestSubmit();
    }
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
