// kefu web: small progressive enhancements (the pages work without them).
"use strict";

function liveStream() {
  const box = document.getElementById("live");
  const table = document.getElementById("live-table");
  if (!box || !table || !window.EventSource) return;
  let count = 0;
  const source = new EventSource(box.dataset.stream);
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    const body = document.createElement("tbody");
    for (const cells of data.cells) {
      const tr = document.createElement("tr");
      cells.forEach((value, i) => {
        const td = document.createElement("td");
        td.textContent = value;
        if (i > 0) td.className = "num";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
    count += 1;
    document.getElementById("live-at").textContent = data.at;
    document.getElementById("live-count").textContent = String(count);
  };
}

function importProgress() {
  const box = document.getElementById("job");
  if (!box || !["queued", "running"].includes(box.dataset.status)) return;
  const poll = async () => {
    const response = await fetch(`/api/v1/imports/${box.dataset.job}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const job = await response.json();
    if (job.status === "done" || job.status === "failed") {
      window.location.reload();
      return;
    }
    document.getElementById("job-status").textContent = job.status_zh;
    document.getElementById("job-progress").textContent = `${job.current} ${job.done_rows}/${job.total_rows} 行`;
    document.getElementById("job-bar").value = job.files_done;
    window.setTimeout(poll, 700);
  };
  window.setTimeout(poll, 300);
}

function autoSubmit() {
  for (const select of document.querySelectorAll("select.autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
}

function drawFigures() {
  // Plotly figures (the staffing heatmap) whose JSON sits beside them, as in the offline HTML report.
  if (!window.Plotly) return;
  for (const el of document.querySelectorAll("[data-figure]")) {
    const fig = JSON.parse(document.getElementById(el.dataset.figure).textContent);
    window.Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  liveStream();
  importProgress();
  autoSubmit();
  drawFigures();
});
