/* Samverkan's behaviour in the admin (templates/admin/base_site.html), as a file: the Content-Security-Policy
   runs no inline script or event-handler attribute.
   - data-submit-on-change: a <select> that submits its form when changed (the language switch);
   - data-select-on-focus: a field whose whole text is selected on focus (a new API token's key). */
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
