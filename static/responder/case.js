/* The case page: live character count, readable refusals from htmx actions, and
   focus kept in a sensible place after a part of the page is replaced.
   A static file, because the Content Security Policy refuses inline scripts. */
(function () {
  "use strict";

  var LINK = /https?:\/\/[^\s<>"']+/gi;
  var MENTION = /(^|[^\w])@([\w.\-]+)@[\w.\-]+/g;

  /* The same count as responder/inbox/checks.py reply_length(): code points, a link
     counts 23 on Mastodon and X, a remote @user@server counts as @user on Mastodon. */
  function replyLength(platform, text) {
    if (platform === "mastodon" || platform === "x") {
      text = text.replace(LINK, "xxxxxxxxxxxxxxxxxxxxxxx");
    }
    if (platform === "mastodon") {
      text = text.replace(MENTION, function (m, before, user) { return before + "@" + user; });
    }
    return Array.from(text).length;
  }

  function fullText(area) {
    var prefix = area.dataset.prefix || "";
    var text = area.value.trim();
    var handle = prefix.trim().toLowerCase();
    if (prefix && text.toLowerCase().indexOf(handle) !== 0) {
      text = prefix + text;
    }
    return text;
  }

  function updateCount() {
    var area = document.getElementById("draft-text");
    var box = document.getElementById("draft-count");
    if (!area || !box) { return; }
    var limit = parseInt(area.dataset.limit, 10) || 500;
    var count = replyLength(area.dataset.platform || "", fullText(area));
    var out = box.querySelector("[data-count]");
    if (out) { out.textContent = String(count); }
    box.classList.toggle("editor__count--over", count > limit);
    var over = box.querySelector("[data-over-text]");
    if (over) { over.hidden = count <= limit; }
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "draft-text") { updateCount(); }
  });

  document.addEventListener("DOMContentLoaded", updateCount);

  /* 400, 403 and 409 carry a message meant for the officer: show it (the server
     points it at #case-alert) instead of dropping the response. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    updateCount();
    var target = event.detail.target;
    if (!target) { return; }
    if (target.id === "draft-editor") {
      /* A library answer was just put in the editor: continue there. */
      var area = document.getElementById("draft-text");
      if (area && !area.disabled) { area.focus(); }
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var alert = document.getElementById("case-alert");
    if (alert && alert.textContent.trim()) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
      return;
    }
    /* The button that was pressed may be gone (claim, submit...): keep the keyboard
       user on the page rather than at the top of the document. */
    if (!document.activeElement || document.activeElement === document.body) {
      var heading = document.querySelector("#case-body h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }
  });
})();
