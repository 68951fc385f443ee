// Every page. A <details data-wide-open> (the top bar's menu, the album page's filters) stays open on wide
// screens, where the CSS hides its summary; on narrow ones it is a fold. The menu also closes on Escape and
// on a click outside it. Without JavaScript the folds still open with a click, Enter or Space, and wide
// screens show their content through ::details-content.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 900px)");

  function keepOpenWhenWide(fold) {
    var wasOpen = fold.open;  // the page's choice for narrow screens (e.g. filters in use)
    var follow = function () { fold.open = wide.matches || wasOpen; };
    follow();
    wide.addEventListener("change", follow);
  }

  function closeMenuOutside(menu) {
    var summary = menu.querySelector("summary");
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        summary.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details[data-wide-open]").forEach(keepOpenWhenWide);
    var menu = document.querySelector(".topbar details.menu");
    if (menu) closeMenuOutside(menu);
  });
})();
