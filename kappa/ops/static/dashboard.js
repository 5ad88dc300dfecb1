// kappa dashboard: polls /api/status and /api/series, draws tables and uPlot charts.
"use strict";

const REFRESH_MS = 5000;
const params = new URLSearchParams(window.location.search);
const query = params.has("date") ? "?date=" + encodeURIComponent(params.get("date")) : "";
const COLORS = { postgres: "#1d3557", delta: "#e76f51", spool: "#6a4c93", quarantine: "#e63946" };
const charts = {};
window.kappaDashboard = { charts, refreshes: 0, errors: [] };

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) td.className = cls;
}

function renderStatus(status) {
  const health = document.getElementById("health");
  health.textContent = status.healthy ? "healthy" : "unhealthy";
  health.className = "badge " + (status.healthy ? "ok" : "bad");
  document.getElementById("day").textContent = status.date;
  const body = document.querySelector("#games tbody");
  body.replaceChildren();
  for (const g of status.games) {
    const row = body.insertRow();
    cell(row, g.game_pk);
    cell(row, g.away);
    cell(row, g.away_score);
    cell(row, g.home);
    cell(row, g.home_score);
    cell(row, g.detailed_state, g.live ? "live" : "");
    cell(row, g.live ? `${g.inning_state || ""} ${g.current_inning || ""}` : "");
  }
  const platform = document.getElementById("platform");
  platform.replaceChildren();
  const items = [`kappa live: ${status.supervisor}`, `database: ${status.database_up ? "up" : "DOWN"}`];
  for (const [name, part] of Object.entries(status.parts)) {
    items.push(`${name}: ${part.up ? "running" : part.done ? "done" : "DOWN"}, restarts ${part.restarts}`);
  }
  for (const [sink, info] of Object.entries(status.sinks)) {
    items.push(`${sink}: lag ${(info.lag_ms / 1000).toFixed(1)} s, last batch ${info.age_seconds.toFixed(0)} s ago`);
  }
  items.push(`spool: ${status.spool_captures} captures`);
  items.push(`quarantine: ${status.quarantined === null ? "?" : status.quarantined}`);
  for (const text of items) {
    const li = document.createElement("li");
    li.textContent = text;
    platform.appendChild(li);
  }
  const problems = document.getElementById("problems");
  problems.replaceChildren();
  for (const text of status.problems) {
    const li = document.createElement("li");
    li.textContent = text;
    problems.appendChild(li);
  }
}

function renderEvents(events) {
  const body = document.querySelector("#events tbody");
  body.replaceChildren();
  for (const e of events) {
    const row = body.insertRow();
    cell(row, e.at);
    cell(row, e.part);
    cell(row, e.kind);
    cell(row, e.message);
  }
}

// tables: [[times], [values]] per series name -> one aligned uPlot data set
function aligned(tables) {
  const names = Object.keys(tables).filter((n) => tables[n][0].length > 0);
  if (names.length === 0) return { names, data: [[]] };
  return { names, data: uPlot.join(names.map((n) => [tables[n][0], tables[n][1]])) };
}

function draw(key, element, tables) {
  const { names, data } = aligned(tables);
  const container = document.getElementById(element);
  const signature = names.join(",");
  const width = Math.max(320, container.clientWidth - 10);
  if (!charts[key] || charts[key].signature !== signature) {
    if (charts[key]) charts[key].plot.destroy();
    const series = [{}].concat(
      names.map((n) => ({ label: n, stroke: COLORS[n] || "#2a9d8f", width: 2, spanGaps: true, points: { show: true } }))
    );
    charts[key] = { signature, plot: new uPlot({ width, height: 220, series, scales: { x: { time: true } } }, data, container) };
  } else {
    charts[key].plot.setData(data);
  }
  charts[key].points = names.length ? data[1].length : 0;
}

async function refresh() {
  try {
    const [status, series] = await Promise.all([
      fetch("api/status" + query).then((r) => r.json()),
      fetch("api/series").then((r) => r.json()),
    ]);
    renderStatus(status);
    renderEvents(series.events);
    const lag = {}, batch = {};
    for (const [sink, [t, lags, durations]] of Object.entries(series.batches)) {
      lag[sink] = [t, lags];
      batch[sink] = [t, durations];
    }
    draw("lag", "chart-lag", lag);
    draw("batch", "chart-batch", batch);
    draw("spool", "chart-spool", { spool: series.spool, quarantine: series.quarantine });
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    window.kappaDashboard.refreshes += 1;
  } catch (error) {
    window.kappaDashboard.errors.push(String(error));
    document.getElementById("updated").textContent = "update failed: " + error;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
