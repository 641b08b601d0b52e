// The live view of a running trace: each step the server sends joins its flow's row, or starts a new row at the top.
// Without script the page is complete as of its last load.
(() => {
  "use strict";
  const table = document.getElementById("flows");
  if (!table || !table.dataset.live) return;
  const filters = table.dataset;
  const status = document.getElementById("live-status");
  if (filters.stepFilter || filters.statusFilter || filters.timeFilter) {
    status.textContent = "Live updates pause while a step, status or time filter is set.";
    return;
  }

  const utc = (iso) => new Date(iso).toISOString();
  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  const stepElement = (step) => {
    const node = element("div", `step ${step.succeeded ? "step-ok" : "step-failed"}`);
    node.dataset.step = step.step;
    node.dataset.id = step.id;
    node.append(element("span", "step-name", step.step), element("span", "step-time small", utc(step.recordedAt).slice(11, 23)),
      element("span", "step-detail", step.detail));
    if (step.reason) node.append(element("div", "step-reason", step.reason));
    if (step.hint) node.append(element("div", "step-hint small", step.hint));
    return node;
  };

  const rowFor = (step) => {
    const existing = table.querySelector(`tr[data-serial="${CSS.escape(step.serial)}"]`);
    if (existing) return existing;
    document.getElementById("no-flows")?.remove();
    const row = element("tr", "flow-ok");
    row.dataset.serial = step.serial;
    const started = utc(step.recordedAt);
    row.append(element("td", "mono small", step.serial), element("td", "mono small", step.deviceId),
      element("td", "nowrap", `${started.slice(0, 10)} ${started.slice(11, 16)} UTC`), element("td", "steps"));
    table.tBodies[0].prepend(row);
    return row;
  };

  const add = (step) => {
    if (filters.deviceFilter && step.deviceId !== filters.deviceFilter) return;
    if (table.querySelector(`.step[data-id="${step.id}"]`)) return;
    const row = rowFor(step);
    row.querySelector(".steps").append(stepElement(step));
    if (!step.succeeded) row.className = "flow-failed";
    const count = document.getElementById("record-count");
    count.textContent = String(Number(count.textContent) + 1);
  };

  const source = new EventSource(`${table.dataset.live}?after=${table.dataset.after}`);
  source.onmessage = (event) => add(JSON.parse(event.data));
  // The stream ends when the trace ends or its consent is withdrawn; the trace itself says which.
  source.onerror = async () => {
    const response = await fetch(table.dataset.trace, { headers: { Accept: "application/json" } });
    if (response.status === 403 || response.status === 404) {
      source.close();
      const problem = await response.json().catch(() => ({}));
      const gone = document.getElementById("access-gone");
      gone.textContent = `${problem.title ?? "You can no longer read this trace."} ${problem.detail ?? ""}`.trim();
      gone.hidden = false;
      status.textContent = "Live updates stopped: access to this trace is gone.";
      document.getElementById("trace")?.setAttribute("data-state", "withdrawn");
      return;
    }
    const trace = response.ok ? await response.json() : null;
    if (trace && trace.state !== "running") {
      source.close();
      status.textContent = `Live updates stopped: the trace is ${trace.state}.`;
      document.getElementById("trace")?.setAttribute("data-state", trace.state);
    }
  };
})();
