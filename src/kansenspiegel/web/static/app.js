// Kansenspiegel dashboard: charts from the JSON API (/api/v1). Controls submit with their
// button only (no change of context on input: WCAG 3.2.2).
"use strict";

const LANG = document.body.dataset.lang || "nl";
const pct = (v) => (v === null || v === undefined ? null : 100 * v);
const fmtPct = (v) => (v === null || v === undefined ? "." : (100 * v).toFixed(1).replace(".", LANG === "nl" ? "," : ".") + "%");
const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
const MAP_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage", "sendDataToCloud", "select2d", "lasso2d"] };
// One meaning per colour on every page, colour-blind safe (ColorBrewer PuOr ends): blue = clearly
// higher, orange = clearly lower, grey = no clear difference. Areas side by side are told apart
// by shades of one neutral hue, never by blue or orange.
const BLUE = "#2166ac", ORANGE = "#b35806", GREY = "#595959";
const AREAS = ["#154273", "#7a8ca3", "#c4ccd6"]; // this area, its region, the country
const SEQUENTIAL = [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]]; // light = low, dark = high

// Long labels wrap onto lines of at most `width` characters (Plotly breaks at <br>).
function wrap(text, width) {
  const words = String(text).split(" ");
  const lines = [];
  let line = "";
  for (const w of words) {
    if (line && (line + " " + w).length > width) { lines.push(line); line = w; } else { line = line ? line + " " + w : w; }
  }
  if (line) lines.push(line);
  return lines.join("<br>");
}
const narrow = (el) => el.clientWidth < 600;

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
  const small = narrow(el);
  const annotations = [];
  let top = 0;
  const traces = geos.map((g, i) => {
    const mine = moments.map(([m]) => rows.find((r) => r.geography === g && r.moment === m));
    // each percentage stands above the top of its interval, so the whisker never covers it
    mine.forEach((r, k) => {
      if (!r || r.rate === null) return;
      const high = pct(r.rate_ci_high ?? r.rate);
      top = Math.max(top, high);
      annotations.push({ x: k - 0.4 + (0.8 / geos.length) * (i + 0.5), y: high, xref: "x", yref: "y", text: fmtPct(r.rate), showarrow: false,
        yanchor: "bottom", yshift: 2, textangle: small && geos.length > 1 ? -90 : 0, font: { size: small ? 11 : 12, color: "#1a1a1a" } });
    });
    return {
      type: "bar", name: mine[0] ? mine[0].name : g, x: moments.map(([, label]) => wrap(label, small ? 12 : 24)),
      y: mine.map((r) => pct(r.rate)), marker: { color: AREAS[i % 3] },
      error_y: { type: "data", symmetric: false, array: mine.map((r) => pct(r.rate_ci_high) - pct(r.rate)), arrayminus: mine.map((r) => pct(r.rate) - pct(r.rate_ci_low)), color: "#1a1a1a", thickness: 1.5 },
      hovertemplate: "%{x}: %{y:.1f}%<extra>" + (mine[0] ? mine[0].name : g) + "</extra>",
    };
  });
  await Plotly.newPlot(el, traces, {
    barmode: "group", bargap: 0.2, bargroupgap: 0, height: small ? 360 : 380, annotations,
    yaxis: { title: { text: el.dataset.labelRate + " (%)" }, range: [0, top * (small && geos.length > 1 ? 1.3 : 1.15) + 1], automargin: true },
    xaxis: { automargin: true }, margin: { t: 30, l: 10, r: 10 }, legend: { orientation: "h", y: 1.12 },
  }, CONFIG);
  markReady(el);
}

async function characteristics(el) {
  const rows = (await getJSON(el.dataset.api)).filter((r) => r.moment === el.dataset.moment);
  const small = narrow(el);
  const labels = rows.map((r) => wrap(r.characteristic_label + ": " + r.label, small ? 22 : 60));
  const kind = (r) => (r.significant ? (r.rate_difference > 0 ? "higher" : "lower") : "unclear");
  const style = { higher: [BLUE, "triangle-up"], lower: [ORANGE, "triangle-down"], unclear: [GREY, "circle"] };
  const traces = ["higher", "lower", "unclear"].map((k) => {
    const mine = rows.map((r, i) => [r, i]).filter(([r]) => kind(r) === k);
    return {
      type: "scatter", mode: "markers", name: el.dataset["label" + k[0].toUpperCase() + k.slice(1)],
      y: mine.map(([, i]) => labels[i]), x: mine.map(([r]) => pct(r.rate)),
      marker: { color: style[k][0], symbol: style[k][1], size: 11 },
      error_x: { type: "data", symmetric: false, array: mine.map(([r]) => pct(r.rate_ci_high) - pct(r.rate)), arrayminus: mine.map(([r]) => pct(r.rate) - pct(r.rate_ci_low)), color: style[k][0] },
      hovertemplate: "%{y}: %{x:.1f}%<extra></extra>", showlegend: mine.length > 0,
    };
  });
  if (el.dataset.same !== "true") {
    traces.push({ type: "scatter", mode: "markers", name: el.dataset.labelCmp, y: labels, x: rows.map((r) => pct(r.rate_comparison)),
      marker: { color: "#1a1a1a", symbol: "line-ns-open", size: 18, line: { width: 2 } }, hovertemplate: "%{y}: %{x:.1f}%<extra>" + el.dataset.labelCmp + "</extra>" });
  }
  await Plotly.newPlot(el, traces, {
    height: 150 + (small ? 50 : 30) * rows.length, margin: { l: 10, r: 10, t: 10 },
    xaxis: { title: { text: el.dataset.labelAxis + " (%)" }, rangemode: "tozero", automargin: true },
    yaxis: { autorange: "reversed", automargin: true, categoryorder: "array", categoryarray: labels, tickfont: { size: small ? 11 : 12 } },
    legend: { orientation: "h", y: -0.08, yanchor: "top" },
  }, CONFIG);
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
    marker: { line: { width: 0.5, color: "#555" } },
    colorbar: narrow(el) ? { title: { text: el.dataset.label, side: "top" }, orientation: "h", y: 0, yanchor: "top", thickness: 12, len: 0.9 } : { title: { text: el.dataset.label } },
    hovertemplate: "%{text}: %{z:.1f}<extra></extra>",
  };
  const missing = { type: "choroplethmap", geojson: geo, featureidkey: "properties.code", locations: rows.filter((r) => value(r) === null).map((r) => r.geography), z: rows.filter((r) => value(r) === null).map(() => 0), colorscale: [[0, "#d9d9d9"], [1, "#d9d9d9"]], showscale: false, hoverinfo: "skip" };
  const traces = [missing, trace];
  if (el.dataset.mine) { // your own area: a thick black outline, whatever its colour
    traces.push({ type: "choroplethmap", geojson: geo, featureidkey: "properties.code", locations: [el.dataset.mine], z: [0], colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale: false, marker: { line: { width: 4, color: "#000" } }, hoverinfo: "skip", name: "mine" });
  }
  await Plotly.newPlot(el, traces, { map: { style: "white-bg", center: { lon: 5.3, lat: 52.15 }, zoom: narrow(el) ? 5.5 : 6 }, margin: { t: 0, b: narrow(el) ? 70 : 0, l: 0, r: 0 } }, MAP_CONFIG);
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
  const small = narrow(el);
  const rowKey = (r) => r.label.split(" · ").slice(0, chars.length - 1).join(" · ");
  const colKey = (r) => r.label.split(" · ")[chars.length - 1];
  // rows come in display order (each characteristic's groups as its code list has them)
  const ys = [...new Set(rows.map(rowKey))], xs = [...new Set(rows.map(colKey))];
  const z = ys.map((y) => xs.map((x) => { const r = rows.find((q) => rowKey(q) === y && colKey(q) === x); return r && !r.suppressed ? pct(r.rate) : null; }));
  const text = z.map((line) => line.map((v) => (v === null ? "." : v.toFixed(1).replace(".", LANG === "nl" ? "," : ".") + "%")));
  const axes = JSON.parse(el.dataset.axes);
  await Plotly.newPlot(el, [{ type: "heatmap", x: xs.map((x) => wrap(x, small ? 20 : 16)), y: ys.map((y) => wrap(y, small ? 18 : 40)), z, text, texttemplate: "%{text}",
    colorscale: SEQUENTIAL, hoverongaps: false, hovertemplate: "%{y} · %{x}: %{text}<extra></extra>",
    showscale: !small, colorbar: { title: { text: el.dataset.label + " (%)" } } }],
    { height: 160 + (small ? 44 : 38) * ys.length, margin: { l: 10, r: 10, t: 10, b: 10 },
      xaxis: { title: { text: axes.x }, automargin: true, side: "bottom", tickangle: small && xs.length > 2 ? -90 : 0 }, yaxis: { title: { text: axes.y }, automargin: true, autorange: "reversed" } }, CONFIG);
  markReady(el);
}

const KINDS = { funnel, characteristics, map: choropleth, heatmap };

document.addEventListener("DOMContentLoaded", () => {
  // an area field shows the current area; focusing it selects the text, so typing replaces it
  document.querySelectorAll('input[list="area-list"]').forEach((input) => input.addEventListener("focus", () => input.select()));
  document.querySelectorAll(".chart[data-kind]").forEach((el) => {
    KINDS[el.dataset.kind](el).catch((error) => { el.dataset.ready = "error"; el.textContent = String(error); console.error(error); });
  });
});
