// Kansenspiegel dashboard: charts from the JSON API (/api/v1). Controls submit with their
// button only (no change of context on input: WCAG 3.2.2).
"use strict";

const LANG = document.body.dataset.lang || "nl";
const pct = (v) => (v === null || v === undefined ? null : 100 * v);
const fmtPct = (v) => (v === null || v === undefined ? "." : (100 * v).toFixed(1).replace(".", LANG === "nl" ? "," : ".") + "%");
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage", "sendDataToCloud"] };
const BLUE = "#2166ac", ORANGE = "#b35806", GREY = "#8c8c8c";
const SEQUENTIAL = [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]]; // light = low, dark = high

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(url + ": " + response.status);
  return response.json();
}

function markReady(el) { el.dataset.ready = "true"; }

async function funnel(el) {
  const rows = await getJSON(el.dataset.api);
  const moments = JSON.parse(el.dataset.moments);
  const geos = [...new Set(rows.map((r) => r.geography))];
  const colours = [BLUE, ORANGE, GREY];
  const traces = geos.map((g, i) => {
    const mine = moments.map(([m]) => rows.find((r) => r.geography === g && r.moment === m));
    return {
      type: "bar", name: mine[0] ? mine[0].name : g, x: moments.map(([, label]) => label),
      y: mine.map((r) => pct(r.rate)), text: mine.map((r) => fmtPct(r.rate)), textposition: "outside",
      marker: { color: colours[i % 3] },
      error_y: { type: "data", symmetric: false, array: mine.map((r) => pct(r.rate_ci_high) - pct(r.rate)), arrayminus: mine.map((r) => pct(r.rate) - pct(r.rate_ci_low)), color: "#333" },
      hovertemplate: "%{x}: %{text}<extra>" + (mine[0] ? mine[0].name : g) + "</extra>",
    };
  });
  await Plotly.newPlot(el, traces, { barmode: "group", yaxis: { title: el.dataset.labelRate + " (%)", rangemode: "tozero" }, margin: { t: 20 }, legend: { orientation: "h" } }, CONFIG);
  markReady(el);
}

async function characteristics(el) {
  const rows = (await getJSON(el.dataset.api)).filter((r) => r.moment === el.dataset.moment);
  const labels = rows.map((r) => r.characteristic_label + ": " + r.label);
  const here = {
    type: "scatter", mode: "markers", name: el.dataset.labelHere, y: labels, x: rows.map((r) => pct(r.rate)),
    marker: { color: rows.map((r) => (r.significant ? (r.rate_difference > 0 ? BLUE : ORANGE) : "#555")), size: 10, symbol: "circle" },
    error_x: { type: "data", symmetric: false, array: rows.map((r) => pct(r.rate_ci_high) - pct(r.rate)), arrayminus: rows.map((r) => pct(r.rate) - pct(r.rate_ci_low)), color: "#555" },
  };
  const cmp = { type: "scatter", mode: "markers", name: el.dataset.labelCmp, y: labels, x: rows.map((r) => pct(r.rate_comparison)), marker: { color: GREY, symbol: "line-ns-open", size: 16, line: { width: 3 } } };
  await Plotly.newPlot(el, [here, cmp], { height: 120 + 28 * rows.length, margin: { l: 330, t: 10 }, xaxis: { title: "%", rangemode: "tozero" }, yaxis: { autorange: "reversed" }, legend: { orientation: "h" } }, CONFIG);
  markReady(el);
}

async function choropleth(el) {
  const [rows, geo] = await Promise.all([getJSON(el.dataset.api), getJSON("/api/v1/boundaries/" + el.dataset.level)]);
  const value = (r) => (r.suppressed ? null : el.dataset.metric === "difference" ? r.difference_vs_national_pp : pct(r.rate));
  const shown = rows.filter((r) => value(r) !== null);
  const values = shown.map(value);
  const extreme = Math.max(...values.map((v) => Math.abs(v)), 1);
  const diverging = el.dataset.metric === "difference";
  const trace = {
    type: "choroplethmap", geojson: geo, featureidkey: "properties.code",
    locations: shown.map((r) => r.geography), z: values, text: shown.map((r) => r.name),
    colorscale: diverging ? [[0, ORANGE], [0.5, "#f7f7f7"], [1, BLUE]] : SEQUENTIAL,
    zmin: diverging ? -extreme : undefined, zmax: diverging ? extreme : undefined,
    marker: { line: { width: 0.5, color: "#555" } }, colorbar: { title: { text: el.dataset.label } },
    hovertemplate: "%{text}: %{z:.1f}<extra></extra>",
  };
  const missing = { type: "choroplethmap", geojson: geo, featureidkey: "properties.code", locations: rows.filter((r) => value(r) === null).map((r) => r.geography), z: rows.filter((r) => value(r) === null).map(() => 0), colorscale: [[0, "#d9d9d9"], [1, "#d9d9d9"]], showscale: false, hoverinfo: "skip" };
  await Plotly.newPlot(el, [missing, trace], { map: { style: "white-bg", center: { lon: 5.3, lat: 52.15 }, zoom: 6 }, margin: { t: 0, b: 0, l: 0, r: 0 } }, CONFIG);
  el.on("plotly_click", (event) => {
    const point = event.points && event.points[0];
    if (!point || !point.location) return;
    const params = new URLSearchParams({ geo: point.location, year: el.dataset.year, lang: el.dataset.lang });
    window.location.href = "/characteristics?" + params.toString();
  });
  markReady(el);
}

async function heatmap(el) {
  const rows = await getJSON(el.dataset.api);
  if (!rows.length) { markReady(el); return; }
  const chars = rows[0].grouping.split("+");
  const rowKey = (r) => r.label.split(" · ").slice(0, chars.length - 1).join(" · ");
  const colKey = (r) => r.label.split(" · ")[chars.length - 1];
  const ys = [...new Set(rows.map(rowKey))], xs = [...new Set(rows.map(colKey))];
  const z = ys.map((y) => xs.map((x) => { const r = rows.find((q) => rowKey(q) === y && colKey(q) === x); return r && !r.suppressed ? pct(r.rate) : null; }));
  const text = z.map((line) => line.map((v) => (v === null ? "." : v.toFixed(1).replace(".", LANG === "nl" ? "," : ".") + "%")));
  await Plotly.newPlot(el, [{ type: "heatmap", x: xs, y: ys, z, text, texttemplate: "%{text}", colorscale: SEQUENTIAL, colorbar: { title: { text: el.dataset.label + " (%)" } }, hoverongaps: false }],
    { height: 140 + 34 * ys.length, margin: { l: 330, t: 10 } }, CONFIG);
  markReady(el);
}

const KINDS = { funnel, characteristics, map: choropleth, heatmap };

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".chart[data-kind]").forEach((el) => {
    KINDS[el.dataset.kind](el).catch((error) => { el.dataset.ready = "error"; el.textContent = String(error); console.error(error); });
  });
});
