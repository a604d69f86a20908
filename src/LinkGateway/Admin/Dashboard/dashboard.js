// The dashboard: fetches /admin/stats with the admin token (kept in this tab's sessionStorage only) and
// draws it with plain DOM and SVG. No third-party code: the admin port serves everything it needs.
"use strict";
const colours = { human: "#3b9c5a", suspect: "#e0a42b", bot: "#d04545" };
const svgNs = "http://www.w3.org/2000/svg";
let timer = null;

function element(tag, attributes, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(svgNs, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function bars(container, rows) {
  container.replaceChildren();
  const max = Math.max(1, ...rows.map(r => r.count));
  for (const row of rows) {
    const bar = element("div", { class: "bar" });
    bar.append(element("span", {}, row.name));
    const fill = element("div", { class: "fill" });
    fill.style.width = `${(100 * row.count) / max}%`;
    if (row.colour) fill.style.background = row.colour;
    bar.append(fill, element("span", { class: "count" }, row.count.toLocaleString()));
    container.append(bar);
  }
  if (rows.length === 0) container.append(element("p", { class: "note" }, "Nothing yet."));
}

// Stacked bars per minute, with a count axis (left, labelled), a time axis (bottom, every 15 minutes) and their titles.
function verdictChart(container, minutes) {
  const width = 960, height = 220, left = 52, right = 8, top = 8, bottom = 38, gap = 1;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const svg = element("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "verdicts per minute, last hour" });
  const max = niceMax(Math.max(1, ...minutes.map(m => m.human + m.suspect + m.bot)));
  const y = count => top + plotHeight - (count / max) * plotHeight;
  const yAxis = element("svg:g", { class: "axis y-axis" });
  for (const tick of [0, max / 4, max / 2, (3 * max) / 4, max]) {
    yAxis.append(element("svg:line", { class: "grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }));
    yAxis.append(element("svg:text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end" }, Number.isInteger(tick) ? tick.toLocaleString() : tick.toFixed(1)));
  }
  yAxis.append(element("svg:line", { x1: left, x2: left, y1: top, y2: top + plotHeight }));
  yAxis.append(element("svg:text", { class: "axis-title", x: 12, y: top + plotHeight / 2, transform: `rotate(-90 12 ${top + plotHeight / 2})`, "text-anchor": "middle" }, "verdicts per minute"));
  svg.append(yAxis);
  const step = plotWidth / minutes.length;
  minutes.forEach((minute, i) => {
    let base = 0;
    for (const kind of ["human", "suspect", "bot"]) {
      if (minute[kind] > 0) {
        const rect = element("svg:rect", { x: left + i * step, y: y(base + minute[kind]), width: Math.max(1, step - gap), height: y(base) - y(base + minute[kind]), fill: colours[kind] });
        rect.append(element("svg:title", {}, `${new Date(minute.minute).toLocaleTimeString()}: ${minute[kind]} ${kind}`));
        svg.append(rect);
        base += minute[kind];
      }
    }
  });
  const xAxis = element("svg:g", { class: "axis x-axis" });
  xAxis.append(element("svg:line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight }));
  minutes.forEach((minute, i) => {
    const at = new Date(minute.minute);
    if (at.getMinutes() % 15 === 0 || i === minutes.length - 1) {
      const x = left + i * step + step / 2;
      xAxis.append(element("svg:line", { x1: x, x2: x, y1: top + plotHeight, y2: top + plotHeight + 4 }));
      xAxis.append(element("svg:text", { x, y: top + plotHeight + 16, "text-anchor": "middle" }, at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    }
  });
  xAxis.append(element("svg:text", { class: "axis-title", x: left + plotWidth / 2, y: height - 4, "text-anchor": "middle" }, "time (minute, this browser's clock)"));
  svg.append(xAxis);
  container.replaceChildren(svg);
}

// The top of the count axis: 1, 2 or 5 times a power of ten, at least the largest bar.
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map(f => f * power).find(candidate => candidate >= value);
}

function share(part, whole) {
  return whole === 0 ? "—" : `${((100 * part) / whole).toFixed(1)} %`;
}

// The hour the chart shows, added up.
function verdictTotals(paragraph, totals) {
  const all = totals.human + totals.suspect + totals.bot;
  paragraph.textContent = `Last hour: ${all.toLocaleString()} verdicts · ${totals.human.toLocaleString()} human · ${totals.suspect.toLocaleString()} suspect · ` +
    `${totals.bot.toLocaleString()} bot · ${totals.degraded.toLocaleString()} stateless (${share(totals.degraded, all)})`;
}

// The origin as the requests forwarded to it saw it in the last hour.
function origin(section, health) {
  const forwarded = health.answered + health.failed;
  const ms = value => value == null ? "—" : `≤ ${value.toLocaleString()} ms`;
  const rows = [
    ["forwarded, last hour", forwarded.toLocaleString()],
    ["5xx answers", `${health.errors5xx.toLocaleString()} (${share(health.errors5xx, forwarded)})`],
    ["no answer (refused, timed out)", `${health.failed.toLocaleString()} (${share(health.failed, forwarded)})`],
    ["latency p50 · p99", `${ms(health.p50Ms)} · ${ms(health.p99Ms)}`],
  ];
  section.querySelector("dl").replaceChildren(...rows.flatMap(([name, value]) => [element("dt", {}, name), element("dd", {}, value)]));
  section.dataset.health = forwarded > 0 && (health.errors5xx + health.failed) / forwarded >= 0.05 ? "failing" : "ok";
}

// What the operator should fix although the node serves (the same list as /readyz's "warnings").
function warnings(section, list) {
  section.querySelector("ul").replaceChildren(...list.map(warning => {
    const item = element("li", { "data-code": warning.code });
    item.append(element("p", {}, warning.message));
    const details = element("ul", { class: "details" });
    details.append(...warning.details.map(detail => element("li", {}, detail)));
    item.append(details);
    return item;
  }));
  section.hidden = list.length === 0;
}

// The store as its probe sees it, and what it cost in the last minute: stateless verdicts are the ones without memory.
function store(section, state, minutes, totals) {
  const last = minutes[minutes.length - 1];
  const verdicts = last.human + last.suspect + last.bot;
  const hour = totals.human + totals.suspect + totals.bot;
  const rows = [
    ["circuit", state.circuit === "open" ? `open since ${new Date(state.openSince).toLocaleTimeString()}` : "closed"],
    ["last answer", state.lastPingMs == null ? "—" : `${state.lastPingMs.toFixed(1)} ms, ${new Date(state.lastAnsweredAt).toLocaleTimeString()}`],
    ["stateless verdicts, this minute", `${last.degraded.toLocaleString()} of ${verdicts.toLocaleString()}`],
    ["degraded share, last hour", share(totals.degraded, hour)],
    ["requests past the budget", state.budgetExceeded.toLocaleString()],
    ["probe failures · times opened", `${state.probeFailures.toLocaleString()} · ${state.timesOpened.toLocaleString()}`],
    ["late answers while busy", state.lateAnswers.toLocaleString()],
    ["backlog (waiting · written · dropped)", `${state.backlog.toLocaleString()} · ${state.backlogWritten.toLocaleString()} · ${state.backlogDropped.toLocaleString()}`],
  ];
  if (state.lastProblem) rows.push(["last problem", state.lastProblem]);
  section.querySelector("dl").replaceChildren(...rows.flatMap(([name, value]) => [element("dt", {}, name), element("dd", {}, value)]));
  section.dataset.circuit = state.circuit;
}

// Each network signature file with its date, oldest first: a stale list misses the ranges its provider added since.
function networkLists(section, ages) {
  const stale = ages.lists.filter(list => list.stale);
  section.querySelector(".note").textContent = stale.length === 0
    ? `All ${ages.lists.length} lists are at most ${ages.staleAfterDays} days old.`
    : `${stale.length} of ${ages.lists.length} lists are older than ${ages.staleAfterDays} days: refresh them with refresh-networks.`;
  section.querySelector("tbody").replaceChildren(...ages.lists.map(list => {
    const row = element("tr", { "data-family": list.family, class: list.stale ? "stale" : "" });
    const name = element("td");
    name.append(list.source ? element("a", { href: list.source, rel: "noreferrer" }, list.family) : list.family);
    row.append(name, element("td", {}, list.category), element("td", {}, list.taken), element("td", {}, list.ageDays.toLocaleString()),
      element("td", {}, list.ranges.toLocaleString()));
    return row;
  }));
  section.dataset.stale = String(stale.length);
}

function render(stats) {
  networkLists(document.getElementById("network-lists"), stats.networkLists);
  warnings(document.getElementById("warnings"), stats.warnings);
  store(document.getElementById("store"), stats.storeState, stats.minutes, stats.totals);
  verdictChart(document.getElementById("verdicts"), stats.minutes);
  verdictTotals(document.getElementById("verdict-totals"), stats.totals);
  origin(document.getElementById("origin"), stats.origin);
  bars(document.getElementById("reasons"), stats.reasons.map(r => ({ name: r.name, count: r.count })));
  const body = document.querySelector("#networks tbody");
  body.replaceChildren(...stats.topBotNetworks.map(n => {
    const row = element("tr");
    row.append(element("td", {}, n.name), element("td", {}, n.count.toLocaleString()));
    return row;
  }));
  document.getElementById("networks-note").textContent = stats.networksApproximate ? "Counts are lower bounds (many networks seen)." : "";
  bars(document.getElementById("shield"), [
    { name: "interstitial shown", count: stats.shield.shown, colour: colours.suspect },
    { name: "passed by a person", count: stats.shield.passed, colour: colours.human },
  ]);
  bars(document.getElementById("opens"), [
    { name: "machine (open.machine)", count: stats.opens.machine, colour: colours.bot },
    { name: "image proxy, a person", count: stats.opens.proxyHuman, colour: colours.human },
    { name: "other", count: stats.opens.other },
    { name: "absorbed (pixel served)", count: stats.opens.absorbed, colour: colours.suspect },
  ]);
}

async function refresh() {
  const token = sessionStorage.getItem("linkgateway-admin-token");
  const status = document.getElementById("status");
  if (!token) return;
  const response = await fetch("/admin/stats", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (response.status === 401) {
    sessionStorage.removeItem("linkgateway-admin-token");
    status.textContent = "That token was refused.";
    document.getElementById("board").hidden = true;
    return;
  }
  const stats = await response.json();
  render(stats);
  document.getElementById("node").textContent = `node ${stats.node} · store ${stats.store} · mode ${stats.mode}`;
  status.textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.getElementById("board").hidden = false;
  document.body.dataset.loaded = "true";
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem("linkgateway-admin-token", document.getElementById("token").value);
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, 10000);
});
if (sessionStorage.getItem("linkgateway-admin-token")) {
  refresh();
  timer = setInterval(refresh, 10000);
}
