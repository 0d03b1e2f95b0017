/* Page behaviour that templates declare with data attributes, because the
   Content-Security-Policy allows no inline script and no on* handlers:
   - data-autosubmit on a <select> (or any field): submit its form when it changes;
   - data-confirm="question" on a <form>: ask before submitting;
   - data-dialog-open="ID" on a button: open the <dialog id="ID"> as a modal (the house way
     to confirm money moving: the dialog shows the amounts and holds the real form);
     data-dialog-close on a button inside it closes it; a <dialog data-dialog-autoopen>
     opens as the page loads (a confirmation the server prepared, e.g. a previewed ruling);
   - data-menu-toggle on the top bar's menu button (narrow screens): opens and closes the
     navigation it names in aria-controls. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest) {
      return;
    }
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      if (menu) {
        var shown = menu.classList.toggle("open");
        toggle.setAttribute("aria-expanded", shown ? "true" : "false");
      }
      return;
    }
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) {
        event.preventDefault();
        open.close();
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    // Escape folds the phone menu away again.
    if (event.key !== "Escape") {
      return;
    }
    var toggle = document.querySelector('[data-menu-toggle][aria-expanded="true"]');
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (menu) {
      menu.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
  function openPrepared() {
    var dialogs = document.querySelectorAll("dialog[data-dialog-autoopen]");
    for (var i = 0; i < dialogs.length; i++) {
      if (!dialogs[i].open && dialogs[i].showModal) {
        dialogs[i].showModal();
        break; // one modal at a time
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openPrepared);
  } else {
    openPrepared();
  }
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
