// Upload job page: poll the job's JSON status, move the progress bar, append new per-file results.
(function () {
  "use strict";
  var section = document.getElementById("upload-job");
  if (!section || !window.fetch) return;
  var labels = JSON.parse(document.getElementById("upload-labels").textContent);
  var bar = document.getElementById("job-progress");
  var rows = document.getElementById("job-results");
  var cursor = Number(section.dataset.cursor) || 0;

  function field(name) { return section.querySelector('[data-field="' + name + '"]'); }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function show(job) {
    ["total", "added", "duplicates", "ignored", "refused", "removed"].forEach(function (name) {
      var element = field(name);
      if (element) element.textContent = job[name];
    });
    field("status_label").textContent = labels[job.status] || job.status;
    bar.max = Math.max(job.total, 1);
    bar.value = job.status === "done" ? bar.max : job.processed;
    if (job.error) {
      field("error").textContent = job.error;
      field("error").hidden = false;
    }
    job.results.forEach(function (result) {
      var row = document.createElement("tr");
      row.className = "outcome-" + result.outcome;
      cell(row, result.index + 1);
      cell(row, result.name);
      cell(row, labels[result.outcome] || result.outcome);
      cell(row, result.article || "");
      cell(row, result.reason);
      rows.appendChild(row);
    });
    cursor = job.results_cursor;
  }

  function poll() {
    fetch(section.dataset.api + "?after=" + cursor, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        show(job);
        var more = job.results.length > 0;
        if (job.status === "done" || job.status === "failed") {
          if (more) window.setTimeout(poll, 0);
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  poll();
})();
