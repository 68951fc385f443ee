// Selection on album and article pages: tick tiles (shift-click ticks the range from the last one ticked),
// "Select all on this page", a live count; the selection form's buttons wait for at least one tick.
// Without JavaScript the checkboxes still submit with the form.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("selection");
    if (!form) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][form="selection"]'));
    var count = form.querySelector("[data-selected-count]");
    var all = form.querySelector("[data-select-all]");
    var needing = form.querySelectorAll("[data-needs-selection]");
    var last = null;

    function refresh() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      count.hidden = false;
      count.textContent = form.dataset.countTemplate.replace("{n}", ticked);
      needing.forEach(function (button) { button.disabled = ticked === 0; });
      boxes.forEach(function (box) { box.closest(".tile").classList.toggle("picked", box.checked); });
      all.hidden = boxes.length === 0;
    }

    boxes.forEach(function (box, index) {
      box.addEventListener("click", function (event) {
        if (event.shiftKey && last !== null) {
          var from = Math.min(last, index), to = Math.max(last, index);
          for (var i = from; i <= to; i++) boxes[i].checked = box.checked;
        }
        last = index;
        refresh();
      });
    });
    all.addEventListener("click", function () {
      var every = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !every; });
      refresh();
    });
    refresh();
  });
})();
