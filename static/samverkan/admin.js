/* Samverkan's behaviour in the admin (templates/admin/base_site.html), as a file: the Content-Security-Policy
   runs no inline script or event-handler attribute.
   - data-submit-on-change: a <select> that submits its form when changed (the language switch);
   - data-select-on-focus: a field whose whole text is selected on focus (a new API token's key);
   - data-search-shortcut: the header's register search, focused by "/" when no field has the focus. */
"use strict";
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-submit-on-change]") && event.target.form) {
    event.target.form.submit();
  }
});
document.addEventListener("focusin", function (event) {
  if (event.target.matches("input[data-select-on-focus]")) {
    event.target.select();
  }
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  var active = document.activeElement;
  if (active && (active.isContentEditable || active.matches("input, textarea, select"))) {
    return;
  }
  var field = document.querySelector("input[data-search-shortcut]");
  if (field) {
    event.preventDefault();
    field.focus();
    field.select();
  }
});
