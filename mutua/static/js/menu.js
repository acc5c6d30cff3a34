// Drop-down menus (<details data-menu>): one open at a time, closed by a click elsewhere or by Escape.
// Without JavaScript they still open and close by their own summary.
(function () {
  "use strict";
  var menus = document.querySelectorAll("details[data-menu]");
  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) closeAll(menu);
    });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details[data-menu]")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
})();
