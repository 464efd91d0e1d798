/* The answer page with errors: the summary takes the focus, and its links move it to the question they name.
   A file, not inline: the page's Content-Security-Policy allows scripts from this site's files only. */
(function () {
  var summary = document.getElementById("error-summary");
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    target.focus();
    var item = target.closest(".item");
    (item || target).scrollIntoView();
  });
})();
