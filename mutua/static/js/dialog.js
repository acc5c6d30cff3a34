// Summary windows: a link marked data-summary-dialog="ID" opens <dialog id="ID"> over the page instead of going to
// the summary page, which stays for browsers without JavaScript; [data-close-dialog] inside it closes it.
(function () {
  "use strict";

  document.querySelectorAll("[data-summary-dialog]").forEach(function (link) {
    var dialog = document.getElementById(link.getAttribute("data-summary-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (close) {
      close.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.close();
        link.focus();
      });
    });
  });
})();
