// Gallery enhancements: the lightbox and copy-link buttons. Without JavaScript every photo link still opens
// the original and downloads still work.
// Lightbox: ← → Home End move, Esc closes, + / - zoom; swipe left/right on touch; pinch or click (or the ⤢
// button) zooms to the original, drag pans it; the position ("3 / 7") and a download button.
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

  var SWIPE_PX = 50;
  var MAX_SCALE = 8;

  function setUpLightbox() {
    var dialog = document.querySelector("dialog.lightbox");
    var links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    if (!dialog || !links.length || typeof dialog.showModal !== "function") return;
    var image = dialog.querySelector("img");
    var stage = dialog.querySelector(".stage");
    var position = dialog.querySelector("figcaption .position");
    var caption = dialog.querySelector("figcaption .text");
    var download = dialog.querySelector("a.download");
    var zoomButton = dialog.querySelector("button.zoom");
    var current = 0;
    var view = { scale: 1, x: 0, y: 0 };
    var pointers = new Map();
    var gesture = null;

    function apply() {
      image.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
      dialog.classList.toggle("zoomed", view.scale > 1);
      zoomButton.setAttribute("aria-pressed", view.scale > 1 ? "true" : "false");
      dialog.dataset.scale = String(view.scale);
    }

    function reset() {
      view = { scale: 1, x: 0, y: 0 };
      apply();
    }

    function showOriginal() {
      var original = links[current].dataset.original;
      if (original && image.getAttribute("src") !== original) image.src = original;
    }

    // Zoom to `scale` keeping the point (cx, cy) of the viewport where it is.
    function zoomAt(scale, cx, cy) {
      scale = Math.max(1, Math.min(MAX_SCALE, scale));
      if (scale > 1) showOriginal();
      var box = stage.getBoundingClientRect();
      var ox = cx - (box.left + box.width / 2), oy = cy - (box.top + box.height / 2);
      view.x = ox - (ox - view.x) * (scale / view.scale);
      view.y = oy - (oy - view.y) * (scale / view.scale);
      view.scale = scale;
      if (scale === 1) { view.x = 0; view.y = 0; }
      apply();
    }

    function fullSizeScale() {
      var shown = image.getBoundingClientRect().width / view.scale;
      var natural = image.naturalWidth || shown;
      return Math.max(2, Math.min(MAX_SCALE, natural / shown));
    }

    function toggleZoom(cx, cy) {
      if (view.scale > 1) { reset(); return; }
      var box = stage.getBoundingClientRect();
      zoomAt(fullSizeScale(), cx === undefined ? box.left + box.width / 2 : cx,
             cy === undefined ? box.top + box.height / 2 : cy);
    }

    function show(index) {
      current = (index + links.length) % links.length;
      var link = links[current];
      reset();
      image.src = link.dataset.lightbox;
      image.alt = link.dataset.caption || "";
      position.textContent = (current + 1) + " / " + links.length;
      caption.textContent = link.dataset.caption || "";
      download.href = link.dataset.download || link.href;
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
    zoomButton.addEventListener("click", function () { toggleZoom(); });
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("close", function () { reset(); links[current].focus(); });
    dialog.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: links.length - 1 };
      var box = stage.getBoundingClientRect();
      if (event.key in moves && view.scale === 1) {
        event.preventDefault();
        show(moves[event.key]);
      } else if (event.key === "+" || event.key === "=") {
        zoomAt(view.scale * 1.5, box.left + box.width / 2, box.top + box.height / 2);
      } else if (event.key === "-") {
        zoomAt(view.scale / 1.5, box.left + box.width / 2, box.top + box.height / 2);
      } else if (event.key in moves) {
        event.preventDefault();
        reset();
        show(moves[event.key]);
      }
    });

    // Pointers: one finger swipes (at scale 1) or pans (zoomed); two fingers pinch; a mouse click zooms.
    stage.addEventListener("pointerdown", function (event) {
      stage.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      var points = Array.from(pointers.values());
      if (points.length === 2) {
        gesture = { kind: "pinch", distance: Math.hypot(points[0].x - points[1].x, points[0].y - points[1].y),
                    scale: view.scale };
      } else if (points.length === 1) {
        gesture = { kind: "drag", x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y,
                    moved: false, type: event.pointerType };
      }
    });
    stage.addEventListener("pointermove", function (event) {
      if (!pointers.has(event.pointerId) || !gesture) return;
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      var points = Array.from(pointers.values());
      if (gesture.kind === "pinch" && points.length === 2) {
        var distance = Math.hypot(points[0].x - points[1].x, points[0].y - points[1].y);
        zoomAt(gesture.scale * distance / gesture.distance, (points[0].x + points[1].x) / 2,
               (points[0].y + points[1].y) / 2);
      } else if (gesture.kind === "drag") {
        var dx = event.clientX - gesture.x, dy = event.clientY - gesture.y;
        if (Math.abs(dx) > 5 || Math.abs(dy) > 5) gesture.moved = true;
        if (view.scale > 1) {
          view.x = gesture.viewX + dx;
          view.y = gesture.viewY + dy;
          apply();
        }
      }
    });
    function release(event) {
      if (!pointers.has(event.pointerId)) return;
      pointers.delete(event.pointerId);
      if (gesture && gesture.kind === "drag" && pointers.size === 0) {
        var dx = event.clientX - gesture.x;
        if (view.scale === 1 && Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(event.clientY - gesture.y)) {
          show(current + (dx < 0 ? 1 : -1));
        } else if (!gesture.moved && gesture.type === "mouse") {
          toggleZoom(event.clientX, event.clientY);
        }
      }
      if (pointers.size === 0) gesture = null;
    }
    stage.addEventListener("pointerup", release);
    stage.addEventListener("pointercancel", function (event) { pointers.delete(event.pointerId); gesture = null; });
    stage.addEventListener("dblclick", function (event) { event.preventDefault(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpLightbox();
  });
})();
