/* The valuation history chart (uPlot, shipped with the site). The same figures are in the table
   below it, so the page says everything without JavaScript. Valuations are yearly (one a year, on
   a date of that year), so the time axis has a tick per year labelled with the year; the value axis
   starts at 0 so the heights compare; the legend names the series. */
(function () {
  "use strict";
  var box = document.getElementById("valuation-chart");
  var source = document.getElementById("valuation-data");
  if (!box || !source || typeof window.uPlot === "undefined") { return; }
  var rows;
  try { rows = JSON.parse(source.textContent); } catch (e) { return; }
  if (!rows || rows.length < 2) { return; }
  var xs = [], ys = [];
  rows.forEach(function (r) {
    var t = Date.parse(r[0]);
    if (!isNaN(t) && r[1] !== null) { xs.push(t / 1000); ys.push(Number(r[1])); }
  });
  if (xs.length < 2) { return; }
  var lang = document.documentElement.lang === "en" ? "en-GB" : "nl-NL";
  var euro = function (v) { return "€ " + Math.round(v).toLocaleString(lang); };
  var year = function (s) { return new Date(s * 1000).getUTCFullYear(); };
  var first = year(xs[0]), last = year(xs[xs.length - 1]);
  var step = Math.max(1, Math.ceil((last - first + 1) / 10));  /* at most about ten year ticks */
  var yearTicks = function () {
    var ticks = [];
    for (var y = first; y <= last; y += step) { ticks.push(Date.UTC(y, 0, 1) / 1000); }
    return ticks;
  };
  var width = function () { return Math.max(260, box.clientWidth || 600); };
  var opts = {
    width: width(), height: 260,
    scales: {
      x: { time: true, range: function () { return [Date.UTC(first, 0, 1) / 1000 - 86400 * 120, Date.UTC(last, 11, 31) / 1000]; } },
      y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } }
    },
    legend: { show: true, live: false },
    hooks: { draw: [function (u) { box.setAttribute("data-y-min", String(u.scales.y.min)); }] },
    series: [
      { label: box.getAttribute("data-date-label") || "" },
      { label: box.getAttribute("data-label") || "", stroke: "#0b4f8a", width: 2, fill: "rgba(11,79,138,0.08)",
        points: { show: true, size: 7, fill: "#f2a900" } }
    ],
    axes: [
      { stroke: "#334", splits: yearTicks, values: function (u, vals) { return vals.map(function (v) { return String(year(v)); }); } },
      { stroke: "#334", size: 80, values: function (u, vals) { return vals.map(euro); } }
    ]
  };
  var plot = new uPlot(opts, [xs, ys], box);
  /* what the axes show, for tests and tools (the canvas itself cannot be read) */
  box.setAttribute("data-x-ticks", yearTicks().map(year).join(" "));
  window.addEventListener("resize", function () { plot.setSize({ width: width(), height: 260 }); });
})();
