/* "Sending in N s": counts the undo hold down on the page, once a second, for every
   [data-undo-countdown] element (also those htmx swaps in later). The server decides;
   this only keeps the shown time honest. A static file: the CSP refuses inline scripts. */
(function () {
  "use strict";
  if (window.responderUndoCountdown) { return; }
  window.responderUndoCountdown = true;
  window.setInterval(function () {
    document.querySelectorAll("[data-undo-countdown]").forEach(function (el) {
      if (!el.dataset.until) {
        el.dataset.until = String(Date.now() + 1000 * Number(el.dataset.seconds || 0));
      }
      var left = Math.max(0, Math.ceil((Number(el.dataset.until) - Date.now()) / 1000));
      el.textContent = (el.dataset.text || "").replace("__N__", String(left));
    });
  }, 1000);
})();
