/* Weekly running km (bars), 4-week average, ceiling and pain (0–10) on one uPlot chart.
   The data table on the page carries the same numbers for screen readers and without JS. */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  function draw() {
    var el = document.getElementById("load-chart");
    var source = document.getElementById("load-data");
    if (!el || !source || typeof window.uPlot === "undefined") return;
    var d = JSON.parse(source.textContent);
    var n = d.labels.length;
    if (!n) return;
    var xs = d.labels.map(function (_, i) { return i; });
    var maxKm = Math.max.apply(null, d.running_km.concat(d.ceiling_km, d.chronic_km, [5]));
    var text = cssVar("--text", "#1f2421");
    var muted = cssVar("--muted", "#5b625e");
    var border = cssVar("--border", "#d9d3ca");
    var accent = cssVar("--accent", "#2f6f5e");
    var amber = cssVar("--amber", "#7a4a00");
    var red = cssVar("--red", "#9b1c1c");
    var narrow = el.clientWidth < 520;
    // Room for about one week label per 56 px of plot width.
    var every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((el.clientWidth - 90) / 56))));

    function km(u, v) { return v == null ? "—" : v.toFixed(1) + " km"; }

    var series = [
      { label: "Week from", value: function (u, v) { return v == null ? "" : d.labels[v]; } },
      {
        label: "Running",
        scale: "km",
        stroke: accent,
        fill: accent + "cc",
        width: 0,
        paths: uPlot.paths.bars({ size: [0.6, 48], align: 0 }),
        points: { show: false },
        value: km
      },
      { label: "4-week avg", scale: "km", stroke: muted, width: 2, points: { show: false }, value: km },
      { label: "Ceiling", scale: "km", stroke: amber, width: 2, dash: [6, 5], points: { show: false }, value: km }
    ];
    var data = [xs, d.running_km, d.chronic_km, d.ceiling_km];
    // No ceiling (a beginner's ladder never shows one as a target): no line, no legend entry.
    if (!d.ceiling_km.some(function (v) { return v != null; })) { series.pop(); data.pop(); }
    var axes = [
      {
        stroke: text,
        grid: { show: false },
        ticks: { show: false },
        splits: function () { return xs.filter(function (i) { return (n - 1 - i) % every === 0; }); },
        values: function (u, splits) { return splits.map(function (i) { return d.labels[i] || ""; }); }
      },
      {
        scale: "km",
        stroke: text,
        label: "km per week",
        labelSize: 20,
        size: 44,
        grid: { stroke: border, width: 1 },
        ticks: { show: false }
      }
    ];
    var scales = {
      x: { time: false, range: function () { return [-0.6, n - 0.4]; } },
      km: { range: function () { return [0, Math.ceil(maxKm * 1.15)]; } }
    };
    if (d.has_pain) {
      series.push({
        label: "Pain (avg)",
        scale: "pain",
        stroke: red,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7, fill: red },
        value: function (u, v) { return v == null ? "—" : v.toFixed(1) + "/10"; }
      });
      data.push(d.pain);
      scales.pain = { range: [0, 10] };
      axes.push({
        scale: "pain",
        side: 1,
        stroke: red,
        label: "pain 0–10",
        labelSize: 20,
        size: 36,
        grid: { show: false },
        ticks: { show: false },
        splits: function () { return [0, 2, 4, 6, 8, 10]; }
      });
    }

    el.textContent = "";
    var height = narrow ? 260 : 320;
    var chart = new uPlot(
      {
        width: el.clientWidth,
        height: height,
        scales: scales,
        axes: axes,
        series: series,
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        legend: { live: false }
      },
      data,
      el
    );

    if (typeof ResizeObserver !== "undefined") {
      var last = el.clientWidth;
      new ResizeObserver(function () {
        if (Math.abs(el.clientWidth - last) > 4) {
          last = el.clientWidth;
          chart.setSize({ width: el.clientWidth, height: height });
        }
      }).observe(el);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
