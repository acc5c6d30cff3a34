// Drop-down menus (<details data-menu>): one open at a time, closed by a click elsewhere, by Escape, or when one
// of their links is followed. Without JavaScript they still open and close by their own summary.
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
    var menu = event.target.closest("details[data-menu]");
    if (!menu) {
      closeAll(null);
    } else if (event.target.closest("a[href]")) {
      // A link into the same page (Profilo → #sessioni) loads nothing, so the menu would stay open over the
      // section; closed here for every link, a page restored by the Back button does not show it open either.
      menu.removeAttribute("open");
    }
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
