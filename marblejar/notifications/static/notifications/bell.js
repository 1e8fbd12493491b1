// The header's bell follows new notifications live.
// One tab per browser holds the stream (a Web Lock decides which) and tells
// the others over a BroadcastChannel, so ten open tabs cost one connection.
(function () {
  "use strict";
  const bell = document.querySelector("[data-bell-events]");
  if (!bell || !window.EventSource) return;
  const target = document.getElementById("bell-count");
  const channel = window.BroadcastChannel ? new BroadcastChannel("marblejar-bell") : null;

  function show(html) {
    target.innerHTML = html;
  }
  if (channel) channel.onmessage = (event) => show(event.data);

  function listen() {
    return new Promise((release) => {
      const source = new EventSource(bell.dataset.bellEvents);
      source.addEventListener("notification", (event) => {
        show(event.data);
        if (channel) channel.postMessage(event.data);
      });
      // The server's last frame when the session ended: no reconnecting.
      source.addEventListener("closed", () => { source.close(); release(); });
      window.addEventListener("pagehide", () => { source.close(); release(); }, { once: true });
    });
  }

  if (navigator.locks) {
    navigator.locks.request("marblejar-bell", listen);
  } else {
    listen();
  }
})();
