// Upload job page: poll the job's JSON status; counters, summary and warnings follow it, and new per-file
// results are put in their place: refused first, then duplicates, then added, each in the archive's order.
(function () {
  "use strict";
  var section = document.getElementById("upload-job");
  if (!section || !window.fetch) return;
  var labels = JSON.parse(document.getElementById("upload-labels").textContent);
  var bar = document.getElementById("job-progress");
  var rows = document.getElementById("job-results");
  var cursor = Number(section.dataset.cursor) || 0;
  var problemsOnly = section.hasAttribute("data-problems-only");
  var RANK = { refused: 0, duplicate: 1, added: 2 };

  function field(name) { return section.querySelector('[data-field="' + name + '"]'); }

  function cell(row, text, href) {
    var td = document.createElement("td");
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      td.appendChild(link);
    } else {
      td.textContent = text;
    }
    row.appendChild(td);
  }

  function key(outcome, index) { return [RANK[outcome] === undefined ? 3 : RANK[outcome], index]; }

  function before(a, b) { return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]); }

  function place(row, outcome, index) {
    var mine = key(outcome, index);
    var existing = rows.children;
    for (var i = 0; i < existing.length; i += 1) {
      var other = existing[i];
      var theirs = key(other.className.replace("outcome-", ""), Number(other.dataset.index));
      if (before(mine, theirs)) { rows.insertBefore(row, other); return; }
    }
    rows.appendChild(row);
  }

  function showResult(result) {
    if (problemsOnly && result.outcome === "added") return;
    if (rows.querySelector('tr[data-index="' + result.index + '"]')) return;
    var row = document.createElement("tr");
    row.className = "outcome-" + result.outcome;
    row.dataset.index = result.index;
    cell(row, result.index + 1);
    cell(row, result.name);
    cell(row, labels[result.outcome] || result.outcome);
    cell(row, result.article || "", result.article_url);
    cell(row, result.reason);
    place(row, result.outcome, result.index);
  }

  function show(job) {
    job.results.forEach(showResult);
    ["total", "added", "duplicates", "ignored", "refused", "removed"].forEach(function (name) {
      var element = field(name);
      if (element) element.textContent = job[name];
    });
    field("status_label").textContent = labels[job.status] || job.status;
    if (job.album_url) {
      field("album").href = job.album_url;
      field("album").textContent = job.album;
      field("album").hidden = false;
    }
    bar.max = Math.max(job.total, 1);
    bar.value = job.status === "done" ? bar.max : job.processed;
    if (job.summary) {
      field("summary").textContent = job.summary;
      field("summary").hidden = false;
    }
    if (job.warnings.length) {
      var list = field("warnings");
      list.textContent = "";
      job.warnings.forEach(function (warning) {
        var item = document.createElement("li");
        item.textContent = warning.message;
        list.appendChild(item);
      });
      list.hidden = false;
    }
    field("waiting").textContent = job.waiting;
    field("waiting").hidden = !job.waiting;
    if (job.error) {
      field("error").textContent = job.error;
      field("error").hidden = false;
    }
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
