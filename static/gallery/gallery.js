// Gallery enhancements: the lightbox (keyboard: ← → Home End Esc) and copy-link buttons.
// Without JavaScript every photo link still opens the original and downloads still work.
(function () {
  "use strict";

  function setUpCopyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        var text = button.dataset.copy;
        var done = function () {
          button.textContent = button.dataset.copied || label;
          window.setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { window.prompt("", text); });
        } else {
          window.prompt("", text);  // plain-http deployments: the clipboard API is unavailable
        }
      });
    });
  }

  function setUpLightbox() {
    var dialog = document.querySelector("dialog.lightbox");
    var links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    if (!dialog || !links.length || typeof dialog.showModal !== "function") return;
    var image = dialog.querySelector("img");
    var caption = dialog.querySelector("figcaption");
    var current = 0;

    function show(index) {
      current = (index + links.length) % links.length;
      var link = links[current];
      image.src = link.dataset.lightbox;
      image.alt = link.dataset.caption || "";
      caption.textContent = link.dataset.caption || "";
      if (!dialog.open) dialog.showModal();
    }

    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        show(index);
      });
    });
    dialog.querySelector(".prev").addEventListener("click", function () { show(current - 1); });
    dialog.querySelector(".next").addEventListener("click", function () { show(current + 1); });
    dialog.querySelector(".close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("close", function () { links[current].focus(); });
    dialog.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: links.length - 1 };
      if (event.key in moves) {
        event.preventDefault();
        show(moves[event.key]);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpLightbox();
  });
})();
