/* Inbox keyboard shortcuts (documented on the page and behind "?"):
   j/k next/previous case, o or Enter open, c claim, x close with a reason,
   / search, ? help. Shortcuts never fire while typing in a field or in a dialog. */
(function () {
  "use strict";
  var table = document.getElementById("inbox-table");
  var status = document.getElementById("kbd-status");
  var closeDialog = document.getElementById("close-dialog");
  var helpDialog = document.getElementById("help-dialog");
  var active = -1;

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
      default: return;
    }
    event.preventDefault();
  });

  if (table) {
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
