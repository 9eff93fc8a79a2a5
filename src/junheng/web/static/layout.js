/* 布局规划 map: county outline (GeoJSON), villages, schools coloured by decision, zone lines. No inline scripts. */
(function () {
  "use strict";
  var COLOR = { keep: "#2e7d32", keep_small: "#66bb6a", expand: "#1565c0", merge: "#c62828", close: "#6d4c41",
                build: "#8e24aa" };
  var STAGE = { primary: "#2f6fb5", junior: "#e08a00" };
  var esc = window.Junheng.esc;  /* app.js: tooltips are HTML, names are data */
  function draw(el) {
    var labels = {};
    try { labels = JSON.parse(el.getAttribute("data-labels")) || {}; } catch (e) { labels = {}; }
    var en = (document.body.getAttribute("data-lang") || "zh") === "en";
    var L = function (zh, eng) { return en ? eng : zh; };
    fetch(el.getAttribute("data-layout-map"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        var name = "layout-" + el.getAttribute("data-layout-map");
        echarts.registerMap(name, m.geojson);
        var series = [];
        ["primary", "junior"].forEach(function (st) {
          var lines = m.zones.filter(function (z) { return z.stage === st; })
            .map(function (z) { return { coords: z.coords, name: z.village + " → " + z.school }; });
          if (lines.length) {
            series.push({ name: st === "primary" ? L("小学学区", "Primary zones") : L("初中学区", "Junior zones"),
                          type: "lines", coordinateSystem: "geo", data: lines, silent: true,
                          lineStyle: { color: STAGE[st], width: 1, opacity: 0.45 } });
          }
        });
        series.push({ name: L("村/社区", "Villages"), type: "scatter", coordinateSystem: "geo", data: m.villages,
                      symbolSize: 4, itemStyle: { color: "#9aa5b1" } });
        var byDec = {};
        m.schools.forEach(function (s) { (byDec[s.decision] = byDec[s.decision] || []).push(s); });
        var names = labels.decision || {};
        Object.keys(byDec).forEach(function (d) {
          series.push({ name: en ? d : (names[d] || d), type: "scatter", coordinateSystem: "geo", data: byDec[d],
                        symbolSize: 10, symbol: d === "merge" || d === "close" ? "diamond" : "circle",
                        itemStyle: { color: COLOR[d] || "#555", borderColor: "#fff", borderWidth: 1 } });
        });
        var c = echarts.init(el, null, { renderer: "canvas" });
        el._chart = c;
        c.setOption({
          tooltip: { trigger: "item", formatter: function (p) { return esc((p.data && p.data.name) || p.name || ""); } },
          legend: { bottom: 0, type: "scroll" },
          geo: { map: name, roam: true, label: { show: true, fontSize: 11, color: "#555" },
                 itemStyle: { areaColor: "#eef3f8", borderColor: "#8aa4c1" } },
          series: series });
        el.setAttribute("data-ready", String(m.schools.length));
        window.addEventListener("resize", function () { c.resize(); });
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-layout-map]").forEach(draw);
  });
})();
