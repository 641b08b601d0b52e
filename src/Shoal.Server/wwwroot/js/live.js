// A live panel: the management API's server-sent events of an application (or one device), newest first, capped.
// Changing a filter reconnects with it; pausing stops the stream and resuming starts it again from now.
(() => {
  "use strict";
  const panel = document.getElementById("live");
  if (!panel) return;
  const rows = document.querySelector("#live-events tbody");
  const status = document.getElementById("live-status");
  const pause = document.getElementById("live-pause");
  const deviceSelect = document.getElementById("live-device");
  const cap = Number(panel.dataset.cap);
  let source = null;

  const cell = (text, className) => {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    return td;
  };

  const add = (type, item) => {
    const row = document.createElement("tr");
    row.dataset.type = type;
    if (item.deviceId) row.dataset.deviceId = item.deviceId;
    const time = new Date(item.time).toISOString();
    row.append(cell(`${time.slice(0, 10)} ${time.slice(11, 23)}`, "nowrap small"), cell(type, "nowrap"),
      cell(item.deviceName ? `${item.deviceName} (${item.deviceId})` : item.deviceId ?? "—", "small"),
      cell(type === "gap" ? `${item.data.dropped} events were dropped: this page did not keep up.` : JSON.stringify(item.data), "mono small"));
    rows.prepend(row);
    while (rows.rows.length > cap) rows.lastElementChild.remove();
  };

  const connect = () => {
    source?.close();
    const query = new URLSearchParams();
    const device = panel.dataset.device || deviceSelect?.value;
    if (device) query.set("deviceId", device);
    const types = [...panel.querySelectorAll("input[name=live-type]:checked")].map((box) => box.value);
    if (types.length === 0) {
      status.textContent = "Choose at least one type.";
      return;
    }
    query.set("types", types.join(","));
    source = new EventSource(`${panel.dataset.live}?${query}`);
    source.onopen = () => { status.textContent = "Live"; panel.dataset.state = "live"; };
    source.onerror = () => { status.textContent = "Reconnecting…"; panel.dataset.state = "reconnecting"; };
    for (const type of [...types, "gap"]) {
      source.addEventListener(type, (event) => add(type, JSON.parse(event.data)));
    }
  };

  pause.addEventListener("click", () => {
    const paused = pause.getAttribute("aria-pressed") !== "true";
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume" : "Pause";
    if (paused) {
      source?.close();
      source = null;
      status.textContent = "Paused";
      panel.dataset.state = "paused";
    } else {
      connect();
    }
  });
  const refilter = () => { if (source) connect(); };
  deviceSelect?.addEventListener("change", refilter);
  panel.querySelectorAll("input[name=live-type]").forEach((box) => box.addEventListener("change", refilter));
  connect();
})();
