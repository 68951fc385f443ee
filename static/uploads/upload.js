// Upload form: drop files anywhere on the page or pick them; send through the JSON API with a progress bar
// (%, MB sent, speed, time left) and a cancel button, then open the job page.
// Without JavaScript the form posts to the page itself and is redirected the same way.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file]");
  var zone = document.getElementById("drop-zone");
  var list = document.getElementById("upload-files");
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var text = document.getElementById("upload-progress-text");
  var cancel = document.getElementById("upload-cancel");
  var error = document.getElementById("upload-error");
  var button = form.querySelector("button[type=submit]");
  var texts = form.dataset;
  var request = null;
  var MB = 1024 * 1024;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function megabytes(bytes) { return (bytes / MB).toFixed(1); }

  function duration(seconds) {
    if (!isFinite(seconds)) return "…";
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return fill(texts.seconds, { n: seconds });
    return fill(texts.minutes, { m: Math.floor(seconds / 60), s: ("0" + (seconds % 60)).slice(-2) });
  }

  function chosen() { return Array.prototype.slice.call(input.files || []); }

  function showFiles() {
    list.textContent = "";
    chosen().forEach(function (file, index) {
      var item = document.createElement("li");
      item.dataset.index = index;
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      var size = document.createElement("span");
      size.className = "size";
      size.textContent = megabytes(file.size) + " MB";
      var state = document.createElement("span");
      state.className = "state";
      item.appendChild(name);
      item.appendChild(size);
      item.appendChild(state);
      list.appendChild(item);
    });
    list.hidden = !input.files || !input.files.length;
  }

  function fileStates(loaded) {
    // One request carries every file in order: a file is sent once the bytes before its end are.
    var end = 0;
    chosen().forEach(function (file, index) {
      var start = end;
      end += file.size;
      var state = list.querySelector('li[data-index="' + index + '"] .state');
      if (!state) return;
      if (loaded >= end) state.textContent = texts.sent;
      else if (loaded > start) state.textContent = Math.floor((100 * (loaded - start)) / Math.max(file.size, 1)) + "%";
      else state.textContent = texts.waiting;
    });
  }

  function busy(on) {
    button.disabled = on;
    form.classList.toggle("sending", on);
    form.setAttribute("aria-busy", on ? "true" : "false");
    status.hidden = !on;
    cancel.hidden = !on;
  }

  function fail(message) {
    request = null;
    error.textContent = message;
    error.hidden = false;
    busy(false);
  }

  input.addEventListener("change", showFiles);

  // Drag and drop anywhere on the page; the zone lights up while files are held over the window.
  var depth = 0;
  function holdsFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") !== -1;
  }
  document.addEventListener("dragenter", function (event) {
    if (!holdsFiles(event)) return;
    depth += 1;
    zone.classList.add("active");
  });
  document.addEventListener("dragleave", function () {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("active");
  });
  document.addEventListener("dragover", function (event) {
    if (!holdsFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = request ? "none" : "copy";
  });
  document.addEventListener("drop", function (event) {
    if (!holdsFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove("active");
    if (request) return;
    input.files = event.dataTransfer.files;
    showFiles();
    error.hidden = true;
  });

  cancel.addEventListener("click", function () {
    if (!request) return;
    request.abort();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (request) return;
    if (!chosen().length) {
      fail(texts.nothing);
      return;
    }
    error.hidden = true;
    busy(true);
    bar.value = 0;
    text.textContent = texts.starting;
    var started = Date.now();
    request = new XMLHttpRequest();
    var sending = request;
    request.open("POST", form.dataset.api);
    request.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      var percent = Math.floor((100 * progress.loaded) / progress.total);
      var seconds = (Date.now() - started) / 1000;
      var speed = seconds > 0 ? progress.loaded / seconds : 0;
      bar.value = percent;
      text.textContent = fill(texts.progress, {
        percent: percent,
        sent: megabytes(progress.loaded),
        total: megabytes(progress.total),
        speed: megabytes(speed),
        left: duration(speed > 0 ? (progress.total - progress.loaded) / speed : Infinity),
      });
      fileStates(progress.loaded);
    });
    request.upload.addEventListener("load", function () { text.textContent = texts.processing; });
    request.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(sending.responseText); } catch (ignored) { body = null; }
      if (sending.status === 202 && body) {
        text.textContent = texts.processing;
        window.location.assign(body.page_url);
      } else {
        fail((body && body.error && body.error.message) || texts.failed || sending.statusText);
      }
    });
    request.addEventListener("abort", function () {
      fail(texts.cancelled);
      fileStates(0);
    });
    request.addEventListener("error", function () { fail(texts.failed); });
    request.send(new FormData(form));
  });
})();
