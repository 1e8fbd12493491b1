// Marblejar's small shared script (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#element-id">, or <button data-copy-url="…">
  // for text the server writes only when asked (fetched on the click).
  function copyStatus(button, text) {
    const status = document.getElementById(button.dataset.copyStatus || "");
    if (status) status.textContent = text;
  }
  function copyFetched(button) {
    const text = fetch(button.dataset.copyUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (body) { return body.trim(); });
    // A ClipboardItem given a promise keeps the click's permission while the
    // text is fetched (Safari needs it); otherwise write once it has arrived.
    let written;
    if (window.ClipboardItem && navigator.clipboard.write) {
      written = navigator.clipboard.write([new ClipboardItem({
        "text/plain": text.then(function (body) { return new Blob([body], { type: "text/plain" }); }),
      })]).catch(function () {
        return text.then(function (body) { return navigator.clipboard.writeText(body); });
      });
    } else {
      written = text.then(function (body) { return navigator.clipboard.writeText(body); });
    }
    return written;
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy], [data-copy-url]");
    if (!button || !navigator.clipboard) return;
    let written;
    if (button.dataset.copyUrl) {
      copyStatus(button, "");
      written = copyFetched(button);
    } else {
      const source = document.querySelector(button.dataset.copy);
      if (!source) return;
      written = navigator.clipboard.writeText(source.textContent.trim());
    }
    written.then(function () {
      copyStatus(button, button.dataset.copied || "Copied.");
    }, function () {
      copyStatus(button, button.dataset.copyFailed || "");
    });
  });

  // Confirm buttons: <button data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Header menus (<details class="switcher">): one open at a time; a click
  // elsewhere or Escape closes them, Escape returning focus to the menu's summary.
  document.addEventListener("toggle", function (event) {
    const opened = event.target;
    if (!opened.matches || !opened.matches("details.switcher") || !opened.open) return;
    document.querySelectorAll("details.switcher[open]").forEach(function (other) {
      if (other !== opened) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.switcher[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.switcher[open]").forEach(function (menu) {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });

  // Mark invalid fields for assistive technology, and focus the first one.
  document.addEventListener("DOMContentLoaded", function () {
    const invalid = document.querySelectorAll(".field.has-error input, .field.has-error select, .field.has-error textarea");
    invalid.forEach(function (el) { el.setAttribute("aria-invalid", "true"); });
    if (invalid.length) invalid[0].focus();
  });
})();

// Language coach: "This is fine here" hides a finding and stops the coach
// flagging that rule in this field until the page is reloaded.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-coach-dismiss]");
    if (!button) return;
    const fieldId = button.dataset.coachField;
    const store = document.getElementById("coach-" + fieldId + "-dismissed");
    if (store) {
      const rules = new Set(store.value.split(",").filter(Boolean));
      rules.add(button.dataset.coachDismiss);
      store.value = Array.from(rules).join(",");
    }
    const item = button.closest("li");
    const list = item && item.parentElement;
    if (item) item.remove();
    const field = document.getElementById(fieldId);
    if (list && !list.children.length) {
      const panel = list.closest(".coach-panel");
      if (panel) panel.textContent = "";
    }
    if (field) field.focus();
  });

  // A form sent with HTMX that the server could not save (503: the database
  // is away or its disk is full): say so above the page, keep what was typed
  // (HTMX swaps nothing on an error).
  document.body.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 503) return;
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const said = page.querySelector("main p");
    const main = document.getElementById("main");
    if (!said || !main) return;
    let box = document.getElementById("outage-message");
    if (!box) {
      box = document.createElement("div");
      box.id = "outage-message";
      box.className = "messages";
      box.setAttribute("role", "alert");
      main.prepend(box);
    }
    const line = document.createElement("p");
    line.className = "message message-error";
    line.textContent = said.textContent;
    box.replaceChildren(line);
  });
})();
