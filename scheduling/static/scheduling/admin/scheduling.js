/* The operator's console, without any library (many installs are offline):
 * - jobs page: poll the status endpoint, move progress bars, reload when a row changed;
 * - task detail: poll a running task's progress, reload when it ends;
 * - schedule form: the cron expression in words and its next runs, as staff type.
 */
"use strict";

(function () {
  function fetchJson(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    });
  }

  function drawProgress(box, progress) {
    var bar = box.querySelector(".progress-bar");
    var fill = box.querySelector(".progress-bar span");
    var text = box.querySelector(".progress-text");
    var known = progress.percent !== null;
    bar.classList.toggle("progress-unknown", !known);
    fill.style.width = (known ? progress.percent : 100) + "%";
    text.textContent = progress.text;
  }

  function pollJobs(table) {
    var form = document.getElementById("jobs-form");

    function busy() {
      return (
        table.dataset.schedulerAlive !== "true" ||
        table.querySelector("tr[data-busy]") !== null
      );
    }

    function selecting() {
      return form.querySelector("input.action-select:checked") !== null;
    }

    function tick() {
      fetchJson(table.dataset.statusUrl)
        .then(function (data) {
          var changed = String(data.scheduler_alive) !== table.dataset.schedulerAlive;
          data.jobs.forEach(function (job) {
            var row = table.querySelector('tr[data-job="' + CSS.escape(job.name) + '"]');
            if (!row) {
              return;
            }
            if (row.dataset.signature !== job.signature) {
              changed = true;
            }
            var box = row.querySelector(".task-progress");
            if (job.running && box) {
              drawProgress(box, job.running);
            }
          });
          // Staff in the middle of ticking boxes keep their selection; reload later.
          if (changed && !selecting()) {
            window.location.reload();
          }
        })
        .catch(function () {})
        .finally(function () {
          window.setTimeout(tick, busy() ? 1500 : 10000);
        });
    }

    window.setTimeout(tick, busy() ? 1500 : 10000);
  }

  function selectAll(toggle) {
    toggle.addEventListener("change", function () {
      document.querySelectorAll("input.action-select").forEach(function (box) {
        box.checked = toggle.checked;
      });
    });
  }

  function pollTask(box) {
    function tick() {
      fetchJson(box.dataset.progressUrl)
        .then(function (progress) {
          drawProgress(box, progress);
          if (progress.finished) {
            window.location.reload(); // the log and the error are saved when a run ends
            return;
          }
          window.setTimeout(tick, 1500);
        })
        .catch(function () {
          window.setTimeout(tick, 5000);
        });
    }
    window.setTimeout(tick, 1500);
  }

  function previewCron(input, url) {
    var preview = document.createElement("div");
    preview.className = "cron-preview help";
    preview.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", preview);
    var timer = null;

    function show() {
      var expression = input.value.trim();
      fetchJson(url + "?expression=" + encodeURIComponent(expression))
        .then(function (answer) {
          preview.classList.toggle("invalid", !answer.valid);
          if (answer.empty) {
            preview.textContent = "Empty: the job runs on its default schedule.";
          } else if (!answer.valid) {
            preview.textContent = "Not valid: " + answer.error;
          } else {
            preview.textContent =
              answer.words + ". Next: " + (answer.next_runs.join(", ") || "never");
          }
        })
        .catch(function () {
          preview.textContent = "";
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(show, 300);
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table.jobs-table[data-status-url]");
    if (table) {
      pollJobs(table);
    }
    var toggle = document.getElementById("jobs-toggle");
    if (toggle) {
      selectAll(toggle);
    }
    document.querySelectorAll(".task-progress[data-progress-url]").forEach(pollTask);
    var cron = document.getElementById("id_schedule_override");
    var url = document.getElementById("cron-describe-url");
    if (cron && url) {
      previewCron(cron, JSON.parse(url.textContent));
    }
  });
})();
