/* Page behaviour that templates declare with data attributes, because the
   Content-Security-Policy allows no inline script and no on* handlers:
   - data-autosubmit on a <select> (or any field): submit its form when it changes;
   - data-confirm="question" on a <form>: ask before submitting. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) {
      field.form.submit();
    }
  });
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
