// Upload form: send through the JSON API with a progress bar, then open the job page.
// Without JavaScript the form posts to the page itself and is redirected the same way.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var bar = document.getElementById("upload-progress");
  var error = document.getElementById("upload-error");
  var button = form.querySelector("button[type=submit]");

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    bar.hidden = true;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    var request = new XMLHttpRequest();
    request.open("POST", form.dataset.api);
    request.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) bar.value = Math.round((100 * progress.loaded) / progress.total);
    });
    request.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      if (request.status === 202 && body) {
        window.location.assign(body.page_url);
      } else {
        fail((body && body.error && body.error.message) || form.dataset.failed || request.statusText);
      }
    });
    request.addEventListener("error", function () { fail(form.dataset.failed); });
    request.send(new FormData(form));
  });
})();
