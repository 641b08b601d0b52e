// Sends the chosen CSV file, shows the upload and then each registered row as the server answers it, and builds the
// result file (with the secrets) in the browser: the server keeps no copy of it.
(() => {
  "use strict";
  const form = document.getElementById("import-form");
  if (!form) return;
  const error = document.getElementById("import-error");
  const progress = document.getElementById("import-progress");
  const stage = document.getElementById("import-stage");
  const bar = document.getElementById("import-bar");
  const count = document.getElementById("import-count");
  const summary = document.getElementById("import-summary");
  const result = document.getElementById("import-result");
  const download = document.getElementById("download-results");
  let url;

  const field = (value) => {
    const text = value == null ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!form.file.files.length) {
      error.textContent = "Choose a CSV file.";
      error.hidden = false;
      return;
    }
    if (url) URL.revokeObjectURL(url);
    summary.hidden = true;
    progress.hidden = false;
    stage.textContent = "Uploading…";
    bar.max = 1;
    bar.value = 0;
    count.textContent = "";
    form.querySelector("button[type=submit]").disabled = true;

    let total = 0;
    let read = 0;
    let buffer = "";
    const rows = [];
    const take = (text) => {
      buffer += text;
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if ("total" in line) {
          total = line.total;
          stage.textContent = "Registering…";
          bar.max = Math.max(total, 1);
        } else {
          rows.push(line);
        }
      }
      bar.value = rows.length;
      count.textContent = `${rows.length} of ${total} rows processed`;
    };

    const request = new XMLHttpRequest();
    request.open("POST", form.action || location.pathname);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
    });
    request.addEventListener("progress", () => {
      take(request.responseText.slice(read));
      read = request.responseText.length;
    });
    request.addEventListener("loadend", () => {
      form.querySelector("button[type=submit]").disabled = false;
      if (request.status !== 200) {
        progress.hidden = true;
        let title = "The import failed.";
        try { title = JSON.parse(request.responseText).title || title; } catch { /* not JSON: the generic message */ }
        error.textContent = title;
        error.hidden = false;
        return;
      }
      take(request.responseText.slice(read));
      read = request.responseText.length;
      progress.hidden = true;
      const registered = rows.filter((r) => !r.error).length;
      const failed = rows.length - registered;
      result.className = `alert ${failed ? "alert-warning" : "alert-success"}`;
      result.textContent = `${registered} device(s) registered, ${failed} row(s) refused.`;
      const lines = ["line,nodeId,deviceId,secret,error"]
        .concat(rows.map((r) => [r.line, r.nodeId, r.deviceId, r.secret, r.error].map(field).join(",")));
      url = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
      download.href = url;
      summary.hidden = false;
    });
    request.send(new FormData(form));
  });
})();
