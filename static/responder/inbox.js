/* Inbox keyboard shortcuts (documented on the page and behind "?"):
   j/k next/previous case, o or Enter open, c claim, x close with a reason,
   / search, ? help. Shortcuts never fire while typing in a field or in a dialog.
   The split view (#14): at 1200 px and wider, following a case's link (click, or
   Enter on the focused link) reads it in the pane beside the list instead of leaving
   the list; the address becomes ?open=<id>, the pane's heading takes the focus and
   the status region says so. The bulk bar shows while a case is ticked. */
(function () {
  "use strict";
  var table = document.getElementById("inbox-table");
  var status = document.getElementById("kbd-status");
  var closeDialog = document.getElementById("close-dialog");
  var helpDialog = document.getElementById("help-dialog");
  var active = -1;
  var pane = document.getElementById("reading-pane");
  var bulkBar = document.getElementById("bulk-bar");
  var wide = window.matchMedia("(min-width: 75em)");

  function rows() {
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-case-id]")) : [];
  }

  function say(text) {
    if (status) { status.textContent = ""; window.setTimeout(function () { status.textContent = text; }, 50); }
  }

  function setActive(index) {
    var list = rows();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (row) { row.classList.remove("is-active"); });
    active = index;
    var row = list[index];
    row.classList.add("is-active");
    var link = row.querySelector(".case-link");
    if (link) { link.focus(); }
    row.scrollIntoView({ block: "nearest" });
  }

  function activeRow() {
    var list = rows();
    return active >= 0 && active < list.length ? list[active] : null;
  }

  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function anyDialogOpen() {
    return !!document.querySelector("dialog[open]");
  }

  function openCase(row) {
    if (row) { window.location.href = row.getAttribute("data-case-url"); }
  }

  function claim(row) {
    if (!row) { return; }
    var button = row.querySelector("[data-claim]");
    if (button) { button.click(); } else { say(status ? status.getAttribute("data-cannot-claim") : ""); }
  }

  function askClose(row) {
    if (!row || !closeDialog) { return; }
    var id = row.getAttribute("data-case-id");
    document.getElementById("close-dialog-case").value = id;
    document.getElementById("close-dialog-label").textContent = "#" + id;
    closeDialog.showModal();
    document.getElementById("close-dialog-reason").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || anyDialogOpen() || isTyping(event.target)) {
      return;
    }
    var row = activeRow();
    switch (event.key) {
      case "j": setActive(active + 1); break;
      case "k": setActive(active < 0 ? 0 : active - 1); break;
      case "o": openCase(row || rows()[0]); break;
      case "Enter":
        // A focused link or button does its own thing; Enter on a row opens it.
        if (event.target.closest && event.target.closest("a, button")) { return; }
        if (!row) { return; }
        openCase(row);
        break;
      case "c": claim(row); break;
      case "x": askClose(row); break;
      case "/": {
        var search = document.getElementById("id_q");
        if (search) { search.focus(); } else { return; }
        break;
      }
      case "?": if (helpDialog) { helpDialog.showModal(); } break;
      case "Escape": {
        // From the reading pane back to the case's link in the list.
        var open = pane && pane.contains(document.activeElement) && pane.querySelector("[data-case-id]");
        var back = open && document.getElementById("case-" + open.getAttribute("data-case-id"));
        if (back) { back.focus(); } else { return; }
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  function showBulkBar(announce) {
    if (!bulkBar || !table) { return; }
    var wasHidden = bulkBar.hidden;
    bulkBar.hidden = !table.querySelector("tbody input[name=case]:checked");
    // Said once as it appears: the bar sits above the list, out of the way of the tab order.
    if (announce && wasHidden && !bulkBar.hidden) { say(bulkBar.getAttribute("data-shown")); }
  }

  function markOpen(id) {
    rows().forEach(function (row) {
      var here = row.getAttribute("data-case-id") === id;
      row.classList.toggle("is-open", here);
      var link = row.querySelector(".case-link");
      if (link) {
        if (here) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
      }
    });
  }

  function paneUrl(id) {
    var params = new URLSearchParams(window.location.search);
    params.set("open", id);
    return window.location.pathname + "?" + params.toString();
  }

  function readInPane(row) {
    var id = row.getAttribute("data-case-id");
    var url = paneUrl(id);
    window.htmx.ajax("GET", url, { target: "#reading-pane", swap: "innerHTML" }).then(function () {
      window.history.pushState({ open: id }, "", url);
      var next = document.querySelector("#claim-form input[name=next]");
      if (next) { next.value = url; }
      // Applying filters keeps this case in the pane.
      var filters = document.querySelector("form.inbox-filters");
      var keep = filters && filters.querySelector("input[name=open]");
      if (filters && !keep) {
        keep = document.createElement("input");
        keep.type = "hidden";
        keep.name = "open";
        filters.appendChild(keep);
      }
      if (keep) { keep.value = id; }
      markOpen(id);
      var heading = document.getElementById("pane-heading");
      if (heading) { heading.focus(); }
      if (status && pane) { say(pane.getAttribute("data-shown").replace("__ID__", id)); }
    });
  }

  if (pane && table) {
    table.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.case-link");
      // htmx is loaded deferred, after this script: asked at the click, not before.
      if (!link || !window.htmx || !wide.matches || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      readInPane(link.closest("tr[data-case-id]"));
    });
    pane.addEventListener("click", function (event) {
      // "Back to the list": the focus returns to the case's link in the list.
      var back = event.target.closest && event.target.closest("[data-pane-back]");
      if (!back) { return; }
      var link = document.getElementById(back.getAttribute("href").slice(1));
      if (link) { event.preventDefault(); link.focus(); }
    });
    window.addEventListener("popstate", function () {
      window.location.reload();
    });
    var shown = pane.querySelector("[data-case-id]");
    if (shown) { markOpen(shown.getAttribute("data-case-id")); }
  }

  if (table) {
    table.addEventListener("change", function (event) {
      if (event.target.name === "case" || event.target.id === "pick-all") { showBulkBar(true); }
    });
    showBulkBar();
    // Clicking or tabbing into a row makes it the one the shortcuts act on.
    table.addEventListener("focusin", function (event) {
      var row = event.target.closest("tr[data-case-id]");
      if (!row) { return; }
      var list = rows();
      var index = list.indexOf(row);
      if (index !== active) {
        list.forEach(function (r) { r.classList.remove("is-active"); });
        row.classList.add("is-active");
        active = index;
      }
    });
    var all = document.getElementById("pick-all");
    if (all) {
      all.addEventListener("change", function () {
        table.querySelectorAll("tbody input[name=case]").forEach(function (box) { box.checked = all.checked; });
        showBulkBar(true);
      });
    }
  }

  document.querySelectorAll("[data-dialog-close]").forEach(function (button) {
    button.addEventListener("click", function () {
      var dialog = button.closest("dialog");
      if (dialog) { dialog.close(); }
    });
  });
})();
