// Draws the device page's history with uPlot: one chart per numeric property, from the data the page carries.
(() => {
  "use strict";
  const source = document.getElementById("history-data");
  if (!source) return;
  const history = JSON.parse(source.textContent);
  const height = 220;
  // The portal shows times in UTC, whatever the browser's zone, and writes them as it does elsewhere.
  const utc = (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC");
  const full = uPlot.fmtDate("{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}");
  const tick = uPlot.fmtDate(history.to - history.from > 36 * 3600 ? "{MM}-{DD} {HH}:{mm}" : "{HH}:{mm}");

  // Each chart by "serviceId/property"; its data is readable through uPlot's API (chart.data).
  window.shoalCharts = {};
  for (const series of history.series) {
    const figure = [...document.querySelectorAll("figure[data-chart]")].find((f) => f.dataset.chart === series.key);
    const plot = figure.querySelector(".chart-plot");
    window.shoalCharts[series.key] = new uPlot({
      width: plot.clientWidth,
      height,
      tzDate: utc,
      scales: { x: { time: true, range: () => [history.from, history.to] } },
      axes: [{ values: (u, splits) => splits.map((s) => tick(utc(s))) }, {}],
      series: [
        { label: "Time (UTC)", value: (u, s) => (s == null ? "--" : full(utc(s))) },
        { label: series.property, stroke: "#0b7285", width: 2, points: { show: series.times.length <= 200 } },
      ],
    }, [series.times, series.values], plot);
  }

  addEventListener("resize", () => {
    for (const chart of Object.values(window.shoalCharts)) {
      chart.setSize({ width: chart.root.parentElement.clientWidth, height });
    }
  });
})();
