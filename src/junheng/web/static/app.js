/* Junheng web UI: charts and maps with ECharts (GeoJSON from /api/map, no tile server). No inline scripts. */
(function () {
  "use strict";
  var VERDICT = { pass: "#2e7d32", fail: "#c62828", incomplete: "#b26a00", none: "#5b6b7d" };
  var lang = function () { return document.body.getAttribute("data-lang") || "zh"; };
  var L = function (zh, en) { return lang() === "en" ? en : zh; };
  var charts = [];
  /* Tooltip formatters return HTML: every data-derived string (school, village, township and indicator
     names, values) goes through esc().  layout.js uses the same function (window.Junheng.esc; app.js is
     loaded first, both deferred). */
  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(v) {
    return v === null || v === undefined ? "" : String(v).replace(/[&<>"']/g, function (ch) { return ESC[ch]; });
  }
  window.Junheng = window.Junheng || {};
  window.Junheng.esc = esc;

  function init(el) {
    if (el._chart) return el._chart;
    var c = echarts.init(el, null, { renderer: "canvas" });
    el._chart = c;
    charts.push(c);
    return c;
  }
  function json(el, attr) { try { return JSON.parse(el.getAttribute(attr)); } catch (e) { return null; } }

  function studentsChart(el) {
    var d = json(el, "data-json"); if (!d) return;
    var series = Object.keys(d.students).map(function (k) {
      return { name: k, type: "line", smooth: true, data: d.students[k] };
    });
    init(el).setOption({ tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: d.years }, yAxis: { type: "value" }, series: series });
  }

  function ratiosChart(el) {
    var d = json(el, "data-json"), lab = json(el, "data-labels") || {}; if (!d) return;
    init(el).setOption({ tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 60, top: 30, bottom: 30 },
      xAxis: { type: "category", data: d.years },
      yAxis: [{ type: "value", scale: true }, { type: "value", scale: true, splitLine: { show: false } }],
      series: [{ name: lab.ptr, type: "line", data: d.pupil_teacher_ratio }, { name: lab.cs, type: "line", data: d.class_size },
               { name: lab.eq, type: "bar", yAxisIndex: 1, data: d.equipment_per_student, itemStyle: { opacity: 0.35 } }] });
  }

  function historyChart(el) {
    var d = json(el, "data-json"); if (!d) return;
    init(el).setOption({ tooltip: { trigger: "axis" }, grid: { left: 50, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: d.years }, yAxis: { type: "value" },
      series: [{ name: L("在校生", "Students"), type: "bar", data: d.students, itemStyle: { color: "#2f6fb5" } }] });
  }

  function heatmapChart(el) {
    var d = json(el, "data-json"); if (!d) return;
    init(el).setOption({
      tooltip: { formatter: function (p) { return esc(d.y[p.value[1]]) + "<br>" + esc(d.x[p.value[0]]) + "：" + esc(p.value[2]); } },
      grid: { left: 220, right: 30, top: 90, bottom: 50 },
      xAxis: { type: "category", data: d.x, position: "top", axisLabel: { rotate: 30, interval: 0, fontSize: 11,
               formatter: function (v) { return v.length > 12 ? v.slice(0, 12) + "…" : v; } } },
      yAxis: { type: "category", data: d.y, inverse: true, axisLabel: { fontSize: 11, interval: 0 } },
      visualMap: { min: 0, max: 2, calculable: true, orient: "horizontal", left: "center", bottom: 5,
                   inRange: { color: ["#c62828", "#f9a825", "#fff59d", "#a5d6a7", "#2e7d32"] },
                   text: [L("≥2 倍标准", "≥2× standard"), "0"] },
      series: [{ type: "heatmap", data: d.cells.map(function (c) { return [c[0], c[1], Math.min(c[2], 2)]; }),
                 emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }] });
  }

  function mapChart(el) {
    var url = el.getAttribute("data-map"), point = json(el, "data-point");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        var name = "county-" + url;
        echarts.registerMap(name, m.geojson);
        var byVerdict = {};
        m.schools.forEach(function (s) { (byVerdict[s.verdict] = byVerdict[s.verdict] || []).push(s); });
        var names = { pass: L("达标", "Pass"), fail: L("未达标", "Fail"), incomplete: L("待认定", "To confirm"), none: L("未评估", "Not assessed") };
        var series = [];
        if (m.villages && m.villages.length) {
          series.push({ name: L("村/社区", "Villages"), type: "scatter", coordinateSystem: "geo", data: m.villages,
                        symbolSize: 3, itemStyle: { color: "#9aa5b1" }, silent: true });
        }
        Object.keys(byVerdict).forEach(function (v) {
          series.push({ name: names[v] || v, type: "scatter", coordinateSystem: "geo", data: byVerdict[v],
                        symbolSize: point ? 6 : 8, itemStyle: { color: VERDICT[v] || "#555", opacity: point ? 0.5 : 0.9 } });
        });
        if (point && point.value && point.value[0] !== null) {
          series.push({ name: point.name, type: "effectScatter", coordinateSystem: "geo", data: [point], symbolSize: 14,
                        itemStyle: { color: "#1d4e89" }, label: { show: true, formatter: "{b}", position: "right" } });
        }
        init(el).setOption({
          tooltip: { trigger: "item", formatter: function (p) { return esc(p.name || (p.data && p.data.name) || ""); } },
          legend: { bottom: 0, type: "scroll" },
          geo: { map: name, roam: true, label: { show: !point, fontSize: 11, color: "#555" },
                 itemStyle: { areaColor: "#eef3f8", borderColor: "#8aa4c1" }, emphasis: { itemStyle: { areaColor: "#dde8f3" } } },
          series: series });
        el._chart.on("click", function (p) {
          if (p.data && p.data.code && p.data.code.length === 10) { window.location = "/schools/" + p.data.code; }
        });
      });
  }

  var KINDS = { students: studentsChart, ratios: ratiosChart, history: historyChart, heatmap: heatmapChart };

  function scan(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (!el._chart && KINDS[el.getAttribute("data-chart")]) KINDS[el.getAttribute("data-chart")](el);
    });
    root.querySelectorAll("[data-map]").forEach(function (el) { if (!el._chart) mapChart(el); });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (!el._auto) { el._auto = true; el.addEventListener("change", function () { el.form.submit(); }); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (e) { scan(e.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
