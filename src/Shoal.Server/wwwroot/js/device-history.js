// Draws the device page's history with uPlot: one chart per numeric property, from the management API's aggregate of
// the range, with as many buckets as the chart is wide: the values themselves when there are fewer, else each bucket's
// mean, shaded between its lowest and highest value.
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
  const pixelsPerBucket = 2;

  // Each chart by "serviceId/property"; its data is readable through uPlot's API (chart.data: times, mean, min, max).
  window.shoalCharts = {};
  const draw = async (series) => {
    const figure = [...document.querySelectorAll("figure[data-chart]")].find((f) => f.dataset.chart === series.key);
    const plot = figure.querySelector(".chart-plot");
    const buckets = Math.max(10, Math.min(2000, Math.floor(plot.clientWidth / pixelsPerBucket)));
    const query = new URLSearchParams({ serviceId: series.serviceId, property: series.property, buckets });
    const response = await fetch(`${history.aggregate}&${query}`, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      plot.textContent = "The history could not be read.";
      return;
    }
    const aggregate = await response.json();
    const middle = aggregate.raw ? 0 : aggregate.bucketSeconds / 2;
    const points = aggregate.points;
    const data = [
      points.map((p) => Date.parse(p.time) / 1000 + middle),
      points.map((p) => p.avg),
      points.map((p) => p.min),
      points.map((p) => p.max),
    ];
    if (!aggregate.raw) document.getElementById("history-aggregated").hidden = false;
    const band = { stroke: "rgba(11,114,133,.25)", width: 1, points: { show: false } };
    window.shoalCharts[series.key] = new uPlot({
      width: plot.clientWidth,
      height,
      tzDate: utc,
      scales: { x: { time: true, range: () => [history.from, history.to] } },
      axes: [{ values: (u, splits) => splits.map((s) => tick(utc(s))) }, {}],
      series: [
        { label: "Time (UTC)", value: (u, s) => (s == null ? "--" : full(utc(s))) },
        { label: aggregate.raw ? series.property : `${series.property} (mean)`, stroke: "#0b7285", width: 2, points: { show: points.length <= 200 } },
        { ...band, label: "min", show: !aggregate.raw },
        { ...band, label: "max", show: !aggregate.raw },
      ],
      bands: aggregate.raw ? [] : [{ series: [3, 2], fill: "rgba(11,114,133,.12)" }],
    }, data, plot);
  };
  for (const series of history.series) draw(series);

  addEventListener("resize", () => {
    for (const chart of Object.values(window.shoalCharts)) {
      chart.setSize({ width: chart.root.parentElement.clientWidth, height });
    }
  });
})();
