/* The valuation history chart (uPlot, shipped with the site). The same figures are in the table
   below it, so the page says everything without JavaScript. */
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
  var width = function () { return Math.max(260, box.clientWidth || 600); };
  var opts = {
    width: width(), height: 260,
    scales: { x: { time: true } },
    legend: { show: true },
    series: [
      { label: box.getAttribute("data-date-label") || "", value: function (u, v) { return v == null ? "" : new Date(v * 1000).toISOString().slice(0, 10); } },
      { label: box.getAttribute("data-label") || "", stroke: "#0b4f8a", width: 2, fill: "rgba(11,79,138,0.08)",
        points: { show: true, size: 7, fill: "#f2a900" }, value: function (u, v) { return v == null ? "" : euro(v); } }
    ],
    axes: [
      { stroke: "#334" },
      { stroke: "#334", size: 80, values: function (u, vals) { return vals.map(euro); } }
    ]
  };
  var plot = new uPlot(opts, [xs, ys], box);
  window.addEventListener("resize", function () { plot.setSize({ width: width(), height: 260 }); });
})();
