/* Samverkan's behaviour in the admin (templates/admin/base_site.html), as a file: the Content-Security-Policy
   runs no inline script or event-handler attribute.
   - data-submit-on-change: a <select> that submits its form when changed (the language switch);
   - data-select-on-focus: a field whose whole text is selected on focus (a new API token's key);
   - data-search-shortcut: the header's register search, focused by "/" when no field has the focus;
   - tabular inlines: each field is named after its column and row (Django's table gives its fields no label);
   - autocomplete fields (select2): the combobox is named by the field's label too, not only by its (maybe empty)
     current choice. */
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
function labelTabularFields(root) {
  root.querySelectorAll(".inline-group .tabular table").forEach(function (table) {
    var headers = {};
    var deleteHeader = "";
    table.querySelectorAll("thead th").forEach(function (th) {
      var column = Array.prototype.find.call(th.classList, function (name) { return name.indexOf("column-") === 0; });
      if (column) {
        headers[column.slice(7)] = th.textContent.trim();
      } else if (th.textContent.trim()) {
        deleteHeader = th.textContent.trim();
      }
    });
    table.querySelectorAll("tbody tr.form-row").forEach(function (row, index) {
      var rowName = (row.querySelector("td.original p") || {}).textContent;
      rowName = rowName ? rowName.trim().split("\n")[0].trim() : String(index + 1);
      row.querySelectorAll("td").forEach(function (cell) {
        var field = Array.prototype.find.call(cell.classList, function (name) { return name.indexOf("field-") === 0; });
        var label = field ? headers[field.slice(6)] : (cell.classList.contains("delete") ? deleteHeader : "");
        if (!label) {
          return;
        }
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
          if (!control.labels || control.labels.length === 0) {
            control.setAttribute("aria-label", label + " (" + rowName + ")");
          }
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () {
  labelTabularFields(document);
});
document.addEventListener("formset:added", function (event) {
  labelTabularFields(event.target.closest(".inline-group") ? event.target.closest(".inline-group").parentNode : document);
});
function labelAutocompletes(root) {
  root.querySelectorAll(".select2-selection[role=combobox]").forEach(function (combobox) {
    var container = combobox.closest(".select2-container");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") {
      return;
    }
    var rendered = combobox.querySelector(".select2-selection__rendered[role=textbox]");
    var label = select.labels && select.labels.length ? select.labels[0] : null;
    if (label) {
      if (!label.id) {
        label.id = select.id + "-label";
      }
      var current = combobox.getAttribute("aria-labelledby") || "";
      if (current.split(" ").indexOf(label.id) === -1) {
        combobox.setAttribute("aria-labelledby", (label.id + " " + current).trim());
      }
      if (rendered) {
        rendered.setAttribute("aria-labelledby", label.id);
      }
    } else if (select.getAttribute("aria-label")) {
      combobox.removeAttribute("aria-labelledby");
      combobox.setAttribute("aria-label", select.getAttribute("aria-label"));
      if (rendered) {
        rendered.setAttribute("aria-label", select.getAttribute("aria-label"));
      }
    }
  });
}
// select2 builds the autocompletes in jQuery's ready handlers, which jQuery runs asynchronously: sometimes after
// the window's load event. They are named whenever select2 adds one (and once more on load).
document.addEventListener("DOMContentLoaded", function () {
  labelAutocompletes(document);
  if (!window.MutationObserver) {
    return;
  }
  new MutationObserver(function (mutations) {
    var added = mutations.some(function (mutation) {
      return Array.prototype.some.call(mutation.addedNodes, function (node) {
        return node.nodeType === 1 && (node.matches(".select2-container") || node.querySelector(".select2-selection"));
      });
    });
    if (added) {
      labelAutocompletes(document);
    }
  }).observe(document.body, { childList: true, subtree: true });
});
window.addEventListener("load", function () {
  labelAutocompletes(document);
});
