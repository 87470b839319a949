// hnth board: one page, no build step. Every text comes from the server's vi/en catalogue.
// Live updates change only what changed: a tile, a count, a row; never the field being typed in.
"use strict";

const S = { lang: localStorage.getItem("hnth.lang") || "vi", M: {}, P: {}, me: null, rooms: new Map(),
            meetings: [], health: {}, es: null, view: "", current: null, pending: new Set(),
            frame: false, lastResult: null };
// Figures for tests and bench/board_ui.py: live updates applied, tiles rebuilt, time spent.
const STATS = { updates: 0, tiles: 0, rendered: 0, ms: 0, lastMs: 0, grid: 0 };
window.__board = STATS;

// A plural message ({one, other} from the server) is picked by its n, the way gettext does.
function tr(key, params) {
  const forms = S.P[key], n = params && params.n;
  let text = (forms && typeof n === "number" && forms[S.rules.select(n)])
    || S.M[key] || key;
  for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(String(v));
  return text;
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

const $ = (sel) => document.querySelector(sel);
const scroll = (el) => h("div", { class: "scroll" }, el);

// The same folding as agent.contract.names.fold: "Chiềng Sơn" → "chieng son".
function fold(text) {
  return String(text || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
    .replace(/\p{M}/gu, "").toLowerCase();
}

function flash(text, bad) {
  const f = $("#flash");
  f.textContent = text; f.hidden = !text; f.className = bad ? "bad" : "";
}

async function api(method, url, body, opts) {
  const headers = { "X-Lang": S.lang };
  if (S.me) headers["X-CSRF-Token"] = S.me.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(url, Object.assign({ method, headers, credentials: "same-origin",
                                           body: body === undefined ? undefined : JSON.stringify(body) }, opts || {}));
  } catch (e) {
    flash(tr("board.web.err.network"), true);
    throw e;
  }
  const data = (res.headers.get("content-type") || "").includes("json") ? await res.json() : await res.text();
  if (res.status === 401 && url !== "/api/login") {
    showLogin(data.error ? data.error.message : "");
    throw new Error("unauthorized");
  }
  return { status: res.status, data };
}

async function loadMessages() {
  const r = await fetch("/api/messages?lang=" + S.lang);
  const body = await r.json();
  S.M = body.messages;
  S.P = body.plurals || {};
  S.rules = new Intl.PluralRules(S.lang);
  document.documentElement.lang = S.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = tr(el.dataset.t);
  $("#title").textContent = tr("board.web.title");
  document.title = tr("board.web.title");
}

function showLogin(message) {
  S.me = null;
  holdStop(true);
  if (S.es) { S.es.close(); S.es = null; }
  $("#login").hidden = false; $("#view").hidden = true; $("#nav").hidden = true;
  $("#logout").hidden = true; $("#who").textContent = "";
  $("#login-error").textContent = message || "";
}

async function login(ev) {
  ev.preventDefault();
  const r = await api("POST", "/api/login", { user: $("#login-user").value, password: $("#login-password").value });
  if (r.status !== 200) { $("#login-error").textContent = r.data.error.message; return; }
  S.me = r.data; $("#login-password").value = "";
  await start();
}

async function start() {
  $("#login").hidden = true; $("#view").hidden = false; $("#nav").hidden = false; $("#logout").hidden = false;
  $("#who").textContent = S.me.user + " (" + tr("board.web.role." + S.me.role) + ")";
  const f = await api("GET", "/api/fleet");
  S.rooms = new Map(f.data.rooms.map((r) => [r.room, r]));
  setHealth(f.data.health);
  await refreshMeetings();
  connect();
  route();
}

function connect() {
  if (S.es) S.es.close();
  const es = new EventSource("/api/stream");
  S.es = es;
  es.addEventListener("room", (e) => {
    const r = JSON.parse(e.data);
    S.rooms.set(r.room, r); S.pending.add(r.room); schedule();
  });
  es.addEventListener("meetings", () => debounce("meetings", refreshMeetings, 300));
  es.addEventListener("broker", (e) => setHealth(JSON.parse(e.data)));
  es.addEventListener("hello", (e) => setHealth(JSON.parse(e.data).health));
  es.addEventListener("snapshot", (e) => { if (S.current === JSON.parse(e.data).room) debounce("detail", refreshRoom, 200); });
  es.addEventListener("event", (e) => { if (S.current === JSON.parse(e.data).room) debounce("detail", refreshRoom, 300); });
  es.addEventListener("audit", () => {
    if (S.view === "room") debounce("detail", refreshRoom, 100);
    if (S.view === "audit") debounce("audit", renderAudit, 100);
  });
  es.onerror = () => {
    setHealth(Object.assign({}, S.health, { stream_down: true }));
    holdStop(true);  // the page lost the board: never leave a camera moving
  };
  es.onopen = () => { if (S.health.stream_down) start(); };
}

const timers = {};
function debounce(name, fn, ms) { clearTimeout(timers[name]); timers[name] = setTimeout(fn, ms); }

function schedule() {
  if (S.frame) return;
  S.frame = true;
  requestAnimationFrame(() => {
    S.frame = false;
    const t0 = performance.now();
    const changed = S.pending; S.pending = new Set();
    STATS.updates += 1;
    if (S.view === "fleet") updateFleet(changed);
    else if (S.view === "room" && changed.has(S.current)) updateRoomHead();
    if (S.view === "meetings" || S.view === "fleet") debounce("meetings", refreshMeetings, 2000);
    STATS.lastMs = performance.now() - t0; STATS.ms += STATS.lastMs;
  });
}

function setHealth(hl) {
  S.health = hl;
  const b = $("#broker");
  const up = hl.broker_connected && !hl.stream_down;
  b.textContent = up ? tr("board.web.broker.up") : tr("board.web.broker.down", { error: hl.broker_error || "" });
  b.title = b.textContent;
  b.className = "pill" + (up ? "" : " down");
  setIngest(hl.ingest || []);
}

// Beside the broker's pill: why ingest is degraded (central.web.degraded), hidden when it is not.
function setIngest(reasons) {
  const el = $("#ingest");
  const words = reasons.map((r) => tr("board.web.ingest." + r.code, r));
  const text = words.length ? tr("board.web.ingest.degraded", { reasons: words.join("; ") }) : "";
  const last = reasons.filter((r) => r.code === "rejected" && r.last).map((r) => tr("board.web.ingest.last", r));
  el.hidden = !words.length;
  el.dataset.state = words.length ? "degraded" : "ok";
  el.querySelector(".long").textContent = text;
  el.querySelector(".short").textContent = words.length ? tr("board.web.ingest.short") : "";
  el.title = [text].concat(last).join("\n");
}

async function refreshMeetings() {
  if (!S.me) return;
  const r = await api("GET", "/api/meetings");
  S.meetings = r.data.meetings;
  if (S.view === "meetings") renderMeetingCards();
  if (S.view === "fleet") updateTotals();
}

function route() {
  holdStop(true);
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  S.view = parts[0] || "fleet";
  S.current = S.view === "room" ? decodeURIComponent(parts.slice(1).join("/")) : null;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.getAttribute("href") === "#/" + S.view);
  $("#view").replaceChildren();
  if (S.view === "room") renderRoom();
  else if (S.view === "meetings") renderMeetings();
  else if (S.view === "report") renderReport();
  else if (S.view === "audit") renderAudit();
  else { S.view = "fleet"; renderFleet(); }
}

const STATES = ["ready", "degraded", "not_ready", "offline", "stale", "unknown"];
const TOTALS = ["not_ready", "degraded", "offline", "stale", "ready"];

function fmtTime(iso) {
  if (!iso) return tr("board.web.never");
  return new Date(iso).toLocaleString(S.lang === "vi" ? "vi-VN" : "en-GB",
    { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit" });
}

function relTime(iso) {
  if (!iso) return tr("board.web.never");
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (s < 60) return tr("board.web.rel.now");
  if (s < 3600) return tr("board.web.rel.min", { n: Math.floor(s / 60) });
  if (s < 86400) return tr("board.web.rel.hour", { n: Math.floor(s / 3600) });
  return tr("board.web.rel.day", { n: Math.floor(s / 86400) });
}

function duration(ms) {
  const m = Math.max(0, Math.ceil(ms / 60000));
  if (m >= 1440) return tr("board.web.dur.day", { d: Math.floor(m / 1440) });
  if (m >= 60) return tr("board.web.dur.hm", { h: Math.floor(m / 60), m: m % 60 });
  return tr("board.web.dur.min", { m });
}

function countdown(m) {
  const now = Date.now(), start = new Date(m.start).getTime(), end = new Date(m.end).getTime();
  return now < start ? tr("board.web.starts_in", { time: duration(start - now) })
                     : tr("board.web.in_progress", { time: duration(end - now) });
}

// A <time> whose words ("3 phút trước") the ticker keeps current without re-rendering anything.
function rel(iso, fmt) {
  const el = h("time", { class: "rel", datetime: iso || "", title: iso ? fmtTime(iso) : null });
  el.dataset.fmt = fmt || "";
  el.textContent = relText(el);
  return el;
}

function relText(el) {
  const iso = el.getAttribute("datetime");
  const fmt = el.dataset.fmt;
  return fmt ? tr(fmt, { time: relTime(iso), age: relTime(iso) }) : relTime(iso);
}

function tick() {
  for (const el of document.querySelectorAll("time.rel")) {
    const text = relText(el);
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of document.querySelectorAll(".countdown")) {
    const m = S.meetings.find((x) => x.province + "/" + x.id === el.dataset.meeting);
    if (m) { const text = countdown(m); if (el.textContent !== text) el.textContent = text; }
  }
}
setInterval(tick, 15000);

// A check's words in the viewer's language: rendered by the board from the room's message key.
function checkText(c) { return c.text ? (c.text[S.lang] || c.text.vi) : (c.summary || ""); }
function hintText(c) { return c.hint_text ? (c.hint_text[S.lang] || c.hint_text.vi) : (c.hint || ""); }
function checkName(name) { return S.M["check." + name] || name; }

function groupsText(r) { return r.groups.length ? r.groups.map((g) => g.name).join(", ") : tr("board.web.no_group"); }

// ---------------------------------------------------------------- fleet grid

const F = { q: "", fq: "", state: "", group: "" };
const G = { tiles: new Map(), grid: null };

const COLLATE = new Intl.Collator("vi");
function severityOrder(a, b) {
  return (a.severity - b.severity) || COLLATE.compare(a.name, b.name) || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0);
}

// What the search looks in, folded once per room update (not once per room per keystroke).
function searchable(r) {
  if (r._fold === undefined) r._fold = fold(r.name + " " + r.id + " " + r.groups.map((g) => g.name).join(" "));
  return r._fold;
}

function matches(r) {
  if (F.state && !(F.state === "invalid" ? r.invalid : r.state === F.state)) return false;
  if (F.group && !r.groups.some((g) => g.id === F.group)) return false;
  return !F.fq || searchable(r).includes(F.fq);
}

function renderFleet() {
  const view = $("#view");
  const search = h("input", { id: "fleet-search", type: "search", placeholder: tr("board.web.search"), value: F.q,
                              "aria-label": tr("board.web.search"),
                              oninput: (e) => { F.q = e.target.value; F.fq = fold(F.q).trim(); updateFleet(null); } });
  const stateSel = h("select", { id: "fleet-state", "aria-label": tr("board.web.all_states"),
                                 onchange: (e) => { F.state = e.target.value; updateFleet(null); } });
  const groupSel = h("select", { id: "fleet-group", "aria-label": tr("board.web.all_groups"),
                                 onchange: (e) => { F.group = e.target.value; updateFleet(null); } });
  G.grid = h("div", { class: "grid", id: "grid" });
  G.tiles = new Map();
  view.replaceChildren(
    h("div", { id: "next-meeting", class: "next", role: "status" }),
    h("div", { class: "totals", id: "totals" }, TOTALS.map((s) =>
      h("button", { class: "total s-" + s, "data-state": s, onclick: () => {
          F.state = F.state === s ? "" : s; $("#fleet-state").value = F.state; updateFleet(null); } },
        h("b", { class: "n" }, "0"), h("span", {}, tr("board.web.state." + s))))),
    h("div", { class: "filters" }, search, stateSel, groupSel, h("span", { id: "fleet-count" })),
    G.grid);
  updateFleet(null);
}

// Apply live changes: `changed` room keys (null = the filters changed: recheck every tile).
function updateFleet(changed) {
  if (!G.grid || !G.grid.isConnected) return;
  const keys = changed === null ? [...S.rooms.keys()] : [...changed];
  let rebuilt = 0, moved = false;
  for (const key of keys) {
    const r = S.rooms.get(key);
    if (!r) continue;
    let tile = G.tiles.get(key);
    if (!tile) { tile = { el: h("button", { class: "room-tile", "data-room": key, type: "button",
                                            onclick: () => { location.hash = "#/room/" + encodeURIComponent(key); } }), sig: "", key: "" };
                 G.tiles.set(key, tile); }
    const sig = tileSig(r);
    if (sig !== tile.sig) { fillTile(tile.el, r); tile.sig = sig; rebuilt += 1; }
    // Problems first. A tile whose place in the order did not change is never moved (moving a
    // node loses a selection in it): only the others are taken out, and put back below.
    const order = JSON.stringify([r.severity, r.name, key]);
    if (tile.key !== order) { tile.key = order; if (tile.el.parentNode) tile.el.remove(); moved = true; }
    const show = matches(r);
    if (tile.el.hidden === show) tile.el.hidden = !show;
  }
  STATS.tiles = S.rooms.size; STATS.rendered += rebuilt;
  if (moved) {
    let cursor = G.grid.firstChild;
    for (const r of [...S.rooms.values()].sort(severityOrder)) {
      const el = G.tiles.get(r.room).el;
      if (el.parentNode === G.grid) { cursor = el.nextSibling; continue; }
      G.grid.insertBefore(el, cursor);
    }
  }
  const all = [...S.rooms.values()];
  updateFilters(all);
  updateTotals();
}

function tileSig(r) {
  return JSON.stringify([r.state, r.name, r.invalid, r.last_seen, r.status, r.groups, r.failing, S.lang]);
}

function fillTile(el, r) {
  el.className = "room-tile s-" + r.state + (r.invalid ? " invalid" : "");
  el.dataset.state = r.state;
  el.dataset.severity = r.severity;
  const why = [];
  if (r.invalid) why.push(h("span", { class: "why invalid-note" }, "⚠ " + tr("board.web.invalid")));
  if (r.state !== "ready" && r.state !== "offline" && r.state !== "stale") {
    for (const c of r.failing.slice(0, 2)) why.push(h("span", { class: "why" }, checkName(c.name) + ": " + checkText(c)));
    if (r.failing.length > 2) why.push(h("span", { class: "why more" }, tr("board.web.more", { n: r.failing.length - 2 })));
  }
  const when = rel(r.last_seen);
  el.replaceChildren(
    h("span", { class: "t-name" }, r.name),
    h("span", { class: "t-state" }, tr("board.web.state." + r.state), " · ", when),
    ...why,
    h("span", { class: "t-group" }, groupsText(r)));
  el.title = r.name + " — " + groupsText(r);
}

function updateFilters(all) {
  const counts = {};
  let invalid = 0;
  for (const r of all) { counts[r.state] = (counts[r.state] || 0) + 1; if (r.invalid) invalid += 1; }
  const stateSel = $("#fleet-state");
  const opts = [["", tr("board.web.all_states")], ...STATES.map((s) => [s, tr("board.web.state." + s) + " (" + (counts[s] || 0) + ")"])];
  if (invalid) opts.push(["invalid", tr("board.web.invalid") + " (" + invalid + ")"]);
  syncOptions(stateSel, opts, F.state);
  const names = new Map();
  for (const r of all) for (const g of r.groups) names.set(g.id, g.name);
  const groups = [...names.keys()].sort((a, b) => names.get(a).localeCompare(names.get(b), "vi"));
  syncOptions($("#fleet-group"), [["", tr("board.web.all_groups")], ...groups.map((g) => [g, names.get(g)])], F.group);
  const shown = all.filter(matches).length;
  setText($("#fleet-count"), tr("board.web.rooms_shown", { n: shown, total: all.length }));
}

// Replace a select's options only when they differ, so an open drop-down is left alone.
function syncOptions(sel, opts, value) {
  if (!sel) return;
  const sig = JSON.stringify(opts);
  if (sel.dataset.sig !== sig) {
    sel.replaceChildren(...opts.map(([v, label]) => h("option", { value: v }, label)));
    sel.dataset.sig = sig;
    sel.value = value;
  }
}

function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }

function selects(m, r) {
  return r.province === m.province && (m.rooms.includes("*") || m.rooms.includes(r.id) ||
    r.groups.some((g) => (m.groups || []).includes(g.id)));
}

function nextMeeting() {
  const now = Date.now();
  return S.meetings.filter((m) => new Date(m.end).getTime() > now)
    .sort((a, b) => new Date(a.start) - new Date(b.start))[0] || null;
}

function updateTotals() {
  const box = $("#totals");
  if (!box) return;
  const counts = {};
  for (const r of S.rooms.values()) counts[r.state] = (counts[r.state] || 0) + 1;
  for (const b of box.querySelectorAll(".total")) {
    const n = String(counts[b.dataset.state] || 0);
    setText(b.querySelector(".n"), n);
    b.dataset.n = n;
    b.classList.toggle("on", F.state === b.dataset.state);
  }
  const next = $("#next-meeting");
  const m = nextMeeting();
  if (!m) { setText(next, tr("board.web.next_none")); next.dataset.n = ""; return; }
  const part = [...S.rooms.values()].filter((r) => selects(m, r));
  const bad = part.filter((r) => r.state !== "ready").length;
  next.dataset.n = String(bad);
  next.className = "next" + (bad ? " bad" : " good");
  setText(next, tr("board.web.next_meeting", { n: bad, total: part.length, title: m.title, when: countdown(m) }));
}

// ---------------------------------------------------------------- room detail

const R = { detail: null };

function renderRoom() {
  const room = S.current;
  const view = $("#view");
  const op = S.me && S.me.role === "operator";
  view.replaceChildren(
    h("div", { id: "room-head" }),
    h("p", { id: "room-invalid", class: "banner bad", hidden: true }),
    h("div", { class: "row" },
      h("div", { class: "card" }, h("h3", {}, tr("board.web.camera")),
        h("div", { class: "camera" },
          h("figure", { class: "snapbox" }, h("div", { id: "room-snap" }), h("figcaption", { id: "snap-age" })),
          op ? ptzPad(S.rooms.get(room)) : h("p", {}, tr("board.web.viewer_only"))),
        h("p", { id: "ptz-result", role: "status", "aria-live": "polite" })),
      h("div", { class: "card" }, h("h3", {}, tr("board.web.checks")), h("div", { id: "room-checks-box" }),
        op ? h("p", {},
          h("button", { id: "rerun", onclick: () => command("check", {}) }, tr("board.web.rerun")), " ",
          h("button", { id: "snap-now", onclick: () => command("snapshot", {}) }, tr("board.web.snap_now"))) : null)),
    h("div", { class: "row" },
      h("div", { class: "card" }, h("h3", {}, tr("board.web.events")), h("div", { id: "room-events-box" })),
      h("div", { class: "card" }, h("h3", {}, tr("board.web.audit")), h("div", { id: "room-audit-box" }))));
  R.detail = null;
  refreshRoom(room);
}

async function refreshRoom() {
  const room = S.current;
  if (!room || S.view !== "room") return;
  const r = await api("GET", "/api/rooms/" + encodeURIComponent(room));
  if (S.current !== room || S.view !== "room") return;
  if (r.status !== 200) { $("#view").replaceChildren(h("p", { class: "error" }, r.data.error.message)); return; }
  const d = r.data;
  R.detail = d;
  S.rooms.set(d.room, Object.assign({}, S.rooms.get(d.room) || {}, d));
  updateRoomHead();
  $("#room-checks-box").replaceChildren(scroll(h("table", { id: "room-checks" },
    h("tr", {}, h("th", {}, tr("board.web.col.check")), h("th", {}, tr("board.web.col.status")),
      h("th", {}, tr("board.web.col.summary")), h("th", {}, tr("board.web.col.hint")), h("th", {}, tr("board.web.col.metrics"))),
    d.checks.map((c) => h("tr", { class: c.status === "pass" ? "ok" : (c.status === "skip" ? "" : "bad") },
      h("td", {}, checkName(c.name)), h("td", {}, S.M["status." + c.status] || c.status),
      h("td", {}, checkText(c)), h("td", {}, hintText(c)), h("td", {}, metrics(c.metrics)))))));
  setSnapshot(d);
  $("#room-events-box").replaceChildren(scroll(h("table", { id: "room-events" },
    d.events.map((e) => h("tr", {}, h("td", {}, rel(e.ts)), h("td", {}, eventText(e)))))));
  $("#room-audit-box").replaceChildren(scroll(h("table", { id: "room-audit" },
    d.audit.map((a) => h("tr", { class: a.ok ? "ok" : "bad", "data-audit": a.id },
      h("td", {}, rel(a.ts)), h("td", {}, a.user), h("td", {}, actionText(a)), h("td", {}, resultText(a)))))));
  showResult();
}

function updateRoomHead() {
  const head = $("#room-head");
  const d = S.rooms.get(S.current);
  if (!head || !d) return;
  const sig = JSON.stringify([d.state, d.name, d.groups, d.last_seen, d.invalid, d.schema_note, S.lang]);
  if (head.dataset.sig === sig) return;
  head.dataset.sig = sig;
  head.replaceChildren(
    h("h2", { id: "room-title" }, d.name, " ", h("small", {}, groupsText(d))),
    h("p", {}, h("span", { class: "badge s-" + d.state, id: "room-state" }, tr("board.web.state." + d.state)),
      " " + tr("board.web.last_seen") + ": ", rel(d.last_seen),
      d.schema_note ? " · " + tr("board.web.schema_note", { schema: d.schema_note }) : ""));
  const inv = $("#room-invalid");
  inv.hidden = !d.invalid;
  inv.textContent = d.invalid ? tr("board.web.invalid_reason", { reason: d.invalid }) : "";
  padState(d);
}

function setSnapshot(d) {
  const box = $("#room-snap");
  if (!box) return;
  const cur = box.dataset.ts || "";
  if (d.snapshot_ts && d.snapshot_ts !== cur) {
    box.replaceChildren(h("img", { class: "snap", id: "room-snapshot", alt: tr("board.web.snapshot"),
      src: "/api/rooms/" + encodeURIComponent(d.room) + "/snapshot?ts=" + encodeURIComponent(d.snapshot_ts) }));
    box.dataset.ts = d.snapshot_ts;
    $("#snap-age").replaceChildren(rel(d.snapshot_ts, "board.web.snapshot_age"));
  } else if (!d.snapshot_ts && !box.firstChild) {
    box.replaceChildren(h("p", { class: "muted" }, tr("board.web.no_snapshot")));
  }
}

// Metrics as readable values: units from the name's suffix; the simulator's debug flags dropped.
function metrics(m) {
  const units = [["_ms", " ms"], ["_pct", " %"], ["_percent", " %"], ["_db", " dB"], ["_dbfs", " dBFS"], ["_fps", " fps"],
                 ["_s", " s"], ["_mb", " MB"], ["_gb", " GB"], ["_c", " °C"], ["_kbps", " kbit/s"]];
  return Object.entries(m || {}).filter(([k]) => k !== "sim").map(([k, v]) => {
    const unit = units.find(([suf]) => k.endsWith(suf));
    const name = unit ? k.slice(0, -unit[0].length) : k;
    const value = typeof v === "number" ? (Number.isInteger(v) ? v : v.toFixed(1)) : (v && typeof v === "object" ? Object.entries(v).map(([a, b]) => a + " " + b).join(", ") : v);
    return name.replace(/_/g, " ") + ": " + value + (unit ? unit[1] : "");
  }).join(" · ");
}

function eventText(e) {
  const label = S.M["board.web.event." + e.kind] || tr("board.web.event.other");
  const bits = [];
  if (e.check) bits.push(checkName(e.check));
  if (e.status && S.M["status." + e.status]) bits.push(tr("status." + e.status));
  if (e.summary) bits.push(e.summary);
  if (e.verdict) bits.push(tr("board.web.state." + e.verdict));
  if (e.trigger && S.M["board.web.trigger." + e.trigger]) bits.push(tr("board.web.trigger." + e.trigger));
  if (e.verb) bits.push(S.M["board.web.verb." + e.verb] || e.verb);
  if (e.ok === false) bits.push(tr("board.web.failed"));
  return label + (bits.length ? ": " + bits.join(" · ") : "");
}

function actionText(a) {
  if (a.action.startsWith("cmd:")) {
    const verb = a.action.slice(4);
    const label = S.M["board.web.verb." + verb] || verb;
    const args = [];
    if (a.args.direction) args.push(tr("board.web.dir." + a.args.direction));
    if (a.args.preset !== undefined) args.push("#" + a.args.preset);
    if (a.args.action) args.push(a.args.action === "in" ? tr("board.web.zoom_in") : a.args.action === "out" ? tr("board.web.zoom_out") : tr("board.web.zoom_stop"));
    return label + (args.length ? " (" + args.join(", ") + ")" : "");
  }
  return S.M["board.web.action." + a.action] || a.action;
}

function targetText(a) {
  const r = S.rooms.get(a.target);
  if (r) return r.name;
  const m = S.meetings.find((x) => x.province + "/" + x.id === a.target);
  return m ? m.title : a.target;
}

function resultText(a) {
  return a.ok ? tr("board.web.ok") : (a.result && a.result.error ? a.result.error.message : tr("board.web.failed"));
}

// ---------------------------------------------------------------- camera pad

const SPEED = { min: 1, max: 24 };  // the contract's pan speeds on VISCA ([ptz] max_speed_pan)
const HOLD = { dir: null, timer: null, room: null };

function ptzPad(d) {
  // The room's meta says which camera and which speeds it accepts (VISCA 1..24, Pelco more).
  const range = d && d.ptz ? { min: 1, max: d.ptz.speed_max } : SPEED;
  const dirs = [["up-left", "↖"], ["up", "↑"], ["up-right", "↗"], ["left", "←"], null, ["right", "→"],
                ["down-left", "↙"], ["down", "↓"], ["down-right", "↘"]];
  const speed = h("input", { id: "ptz-speed", type: "range", min: range.min, max: range.max, value: Math.min(8, range.max) });
  const shown = h("output", { id: "ptz-speed-value", for: "ptz-speed" }, "8");
  speed.addEventListener("input", () => { shown.textContent = speed.value; });
  const preset = h("input", { id: "ptz-preset", type: "number", min: 0, max: 254, value: 1, inputmode: "numeric" });
  const arrow = (d) => {
    const b = h("button", { class: "ptz-btn", type: "button", "data-dir": d[0], title: tr("board.web.dir." + d[0]),
                            "aria-label": tr("board.web.dir." + d[0]) }, d[1]);
    b.addEventListener("pointerdown", (e) => { e.preventDefault(); if (b.setPointerCapture) b.setPointerCapture(e.pointerId); holdStart(d[0]); });
    for (const ev of ["pointerup", "pointercancel", "lostpointercapture"]) b.addEventListener(ev, () => holdStop(false));
    b.addEventListener("keydown", (e) => { if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); holdStart(d[0]); } });
    b.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") holdStop(false); });
    b.addEventListener("contextmenu", (e) => e.preventDefault());
    return b;
  };
  return h("fieldset", { id: "pad", class: "padbox" },
    h("p", { class: "muted", id: "pad-note" }, tr("board.web.hold_hint")),
    h("div", { class: "pad" }, dirs.map((d) => d ? arrow(d)
      : h("button", { class: "stop", type: "button", id: "ptz-stop", onclick: () => { holdStop(true); command("ptz.stop", {}); } }, tr("board.web.stop")))),
    h("label", { class: "speed" }, tr("board.web.speed_range", range), h("span", { class: "inline" }, speed, shown)),
    h("p", { class: "buttons" },
      h("button", { id: "zoom-in", type: "button", onclick: () => command("ptz.zoom", { action: "in" }) }, tr("board.web.zoom_in")),
      h("button", { id: "zoom-out", type: "button", onclick: () => command("ptz.zoom", { action: "out" }) }, tr("board.web.zoom_out")),
      h("button", { id: "zoom-stop", type: "button", onclick: () => command("ptz.zoom", { action: "stop" }) }, tr("board.web.zoom_stop")),
      h("button", { id: "ptz-home", type: "button", onclick: () => command("ptz.home", {}) }, tr("board.web.home"))),
    h("p", { class: "buttons" }, h("label", { class: "inline" }, tr("board.web.preset"), preset),
      h("button", { id: "preset-recall", type: "button", onclick: () => command("ptz.preset.recall", { preset: Number(preset.value) }) }, tr("board.web.recall")),
      h("button", { id: "preset-set", type: "button", onclick: () => command("ptz.preset.set", { preset: Number(preset.value) }) }, tr("board.web.save"))));
}

// An offline room: the pad is disabled and says why (a command would be refused anyway).
function padState(d) {
  const pad = $("#pad");
  if (!pad) return;
  const off = d.state === "offline";
  pad.disabled = off;
  setText($("#pad-note"), off ? tr("board.web.pad_offline") : tr("board.web.hold_hint"));
  $("#pad-note").className = off ? "bad" : "muted";
  for (const id of ["#rerun", "#snap-now"]) { const b = $(id); if (b) b.disabled = off; }
  if (off) holdStop(true);
}

// Hold-to-move: ptz.move without duration_ms, repeated every 500 ms while held; the agent stops
// a hold that is not repeated within [ptz] hold_timeout_ms (2 s), so a lost page stops it too.
function holdStart(dir) {
  if (HOLD.dir === dir) return;
  if (HOLD.dir) holdStop(false);
  HOLD.dir = dir; HOLD.room = S.current;
  let repeat = false;  // the repeats of a hold are not audited one by one
  const send = () => {
    if (!HOLD.dir) return;
    const speed = Number(($("#ptz-speed") || {}).value || 8);
    api("POST", "/api/rooms/" + encodeURIComponent(HOLD.room) + "/command",
        { verb: "ptz.move", args: { direction: HOLD.dir, speed }, repeat }).then((r) => {
      if (!r.data.ok && HOLD.dir) { holdStop(false); setResult(HOLD.room || S.current, "ptz.move", {}, r.data); }
    }).catch(() => holdStop(true));
  };
  setResult(S.current, "ptz.move", { direction: dir }, null);
  send();
  repeat = true;
  HOLD.timer = setInterval(send, 500);
}

// Release: one ptz.stop. `quiet` when the page is going away (keepalive, no result shown).
function holdStop(quiet) {
  if (!HOLD.dir) return;
  clearInterval(HOLD.timer);
  const room = HOLD.room;
  HOLD.dir = null; HOLD.timer = null; HOLD.room = null;
  if (!S.me) return;
  if (quiet) {
    fetch("/api/rooms/" + encodeURIComponent(room) + "/command", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Lang": S.lang, "X-CSRF-Token": S.me.csrf },
      body: JSON.stringify({ verb: "ptz.stop", args: {} }) }).catch(() => {});
  } else {
    command("ptz.stop", {}, room);
  }
}

document.addEventListener("visibilitychange", () => { if (document.hidden) holdStop(true); });
window.addEventListener("pagehide", () => holdStop(true));

function setResult(room, verb, args, d) {
  let text, ok = null;
  if (d === null) {
    text = verb === "ptz.move" ? tr("board.web.moving", { dir: tr("board.web.dir." + args.direction) })
         : verb === "check" ? tr("board.web.checking") : tr("board.web.sending", { verb: S.M["board.web.verb." + verb] || verb });
  } else if (d.ok) {
    ok = true;
    const res = d.result || {};
    const params = Object.assign({ dir: args.direction ? tr("board.web.dir." + args.direction) : "",
                                   preset: args.preset, pan: res.pan, tilt: res.tilt, zoom: res.zoom },
                                 res.verdict ? { verdict: tr("board.web.state." + res.verdict) } : {});
    text = S.M["board.web.done." + verb] ? tr("board.web.done." + verb, params) : tr("board.web.ok");
  } else {
    ok = false;
    text = tr("board.web.result_failed", { action: S.M["board.web.verb." + verb] || verb,
                                           error: d.error ? d.error.message : tr("board.web.failed") });
  }
  S.lastResult = { room, ok, text, verb };
  showResult();
}

function showResult() {
  // The result outlives re-renders of the room's sections, so it lives in S, not in the DOM.
  const out = $("#ptz-result");
  const last = S.lastResult;
  if (!out || !last || last.room !== S.current) return;
  out.textContent = last.text;
  out.className = last.ok === null ? "busy" : (last.ok ? "ok" : "bad");
  out.dataset.verb = last.verb;
  if (last.ok !== null) out.dataset.ok = last.ok ? "1" : "0"; else delete out.dataset.ok;
  const rerun = $("#rerun");
  if (rerun) {
    const running = last.verb === "check" && last.ok === null;
    rerun.classList.toggle("busy", running);
    rerun.disabled = running || (S.rooms.get(S.current) || {}).state === "offline";
    setText(rerun, running ? tr("board.web.checking") : tr("board.web.rerun"));
  }
}

let lastAutoSnap = 0;
async function command(verb, args, room) {
  room = room || S.current;
  setResult(room, verb, args, null);
  const r = await api("POST", "/api/rooms/" + encodeURIComponent(room) + "/command", { verb, args });
  setResult(room, verb, args, r.data);
  if (!$("#ptz-result") || S.current !== room) flash(S.lastResult.text, !r.data.ok);
  // After a move the picture is refreshed (at most every 5 s) so the operator is not steering blind.
  const moved = ["ptz.stop", "ptz.home", "ptz.preset.recall", "ptz.zoom"].includes(verb);
  if (moved && r.data.ok && Date.now() - lastAutoSnap > 5000 && S.current === room) {
    lastAutoSnap = Date.now();
    api("POST", "/api/rooms/" + encodeURIComponent(room) + "/command", { verb: "snapshot", args: {} }).catch(() => {});
  }
}

// ---------------------------------------------------------------- meetings

function renderMeetings() {
  const op = S.me && S.me.role === "operator";
  $("#view").replaceChildren(
    op ? h("p", {}, h("button", { id: "mt-open", class: "primary", onclick: openScheduler }, tr("board.web.schedule"))) : "",
    h("p", { id: "mt-result", role: "status" }),
    h("div", { id: "meeting-cards" }),
    op ? scheduler() : "");
  renderMeetingCards();
}

function renderMeetingCards() {
  const box = $("#meeting-cards");
  if (!box) return;
  const op = S.me && S.me.role === "operator";
  const sig = JSON.stringify([S.meetings, S.lang]);
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  const cards = S.meetings.map((m) => {
    const bad = m.participants - (m.counts.ready || 0);
    return h("div", { class: "card meeting-card", "data-id": m.id },
      h("h3", {}, m.title),
      h("p", {}, fmtTime(m.start) + " – " + fmtTime(m.end), " · ",
        h("b", { class: "countdown", "data-meeting": m.province + "/" + m.id }, countdown(m))),
      h("p", {}, tr("board.web.participants", { n: m.participants }), " · ", selectorText(m)),
      h("p", { class: "not-ready " + (bad ? "bad" : "ok"), "data-n": bad }, tr("board.web.not_ready_of", { n: bad, total: m.participants })),
      h("p", { class: "checked-count", "data-checked": m.checked, "data-participants": m.participants },
        tr("board.web.checked_count", { n: m.checked, total: m.participants })),
      h("div", { class: "counts" }, TOTALS.map((s) =>
        h("span", { class: "s-" + s + " count-" + s, "data-n": m.counts[s] || 0 }, tr("board.web.state." + s) + ": " + (m.counts[s] || 0)))),
      m.problems.length ? h("h4", {}, tr("board.web.problems")) : null,
      m.problems.length ? scroll(h("table", { class: "problems" },
        m.problems.map((p) => h("tr", { "data-room": p.room },
          h("td", {}, h("a", { href: "#/room/" + encodeURIComponent(p.room) }, p.name)),
          h("td", {}, h("span", { class: "badge s-" + p.state }, tr("board.web.state." + p.state))),
          h("td", {}, p.invalid ? h("div", { class: "bad" }, tr("board.web.invalid")) : null,
            p.failing.map((c) => h("div", {}, h("b", {}, checkName(c.name) + ": "), checkText(c),
              hintText(c) ? h("div", { class: "hint" }, "→ " + hintText(c)) : null))),
          h("td", {}, !p.checked_for_meeting ? tr("board.web.not_checked")
            : (p.offset === null || p.offset === undefined ? tr("board.web.checked_at", { time: fmtTime(p.checked_at) })
                                                         : tr("board.web.checked", { offset: p.offset }))))))) : null,
      op ? h("button", { class: "cancel-meeting", onclick: () => cancelMeeting(m) }, tr("board.web.cancel_meeting")) : null);
  });
  box.replaceChildren(...(cards.length ? cards : [h("p", { class: "no-meetings" }, tr("board.web.no_meetings"))]));
}

function selectorText(m) {
  if (m.rooms.includes("*")) return tr("board.web.every_room");
  const names = new Map([...S.rooms.values()].filter((r) => r.province === m.province).map((r) => [r.id, r.name]));
  const groups = new Map();
  for (const r of S.rooms.values()) for (const g of r.groups) groups.set(g.id, g.name);
  const parts = (m.groups || []).map((g) => groups.get(g) || g).concat(m.rooms.map((r) => names.get(r) || r));
  return parts.join(", ");
}

// The scheduling dialog: participants by group or by room name, never typed as slugs.
function scheduler() {
  const pad = (n) => String(n).padStart(2, "0");
  const local = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  const in1h = new Date(Date.now() + 3600e3);
  const rooms = [...S.rooms.values()].sort((a, b) => a.name.localeCompare(b.name, "vi"));
  const groups = new Map();
  for (const r of rooms) for (const g of r.groups) groups.set(g.id, g.name);
  const count = h("span", { id: "mt-picked", class: "muted" });
  const recount = () => {
    const all = $("#mt-all").checked;
    for (const el of document.querySelectorAll("#meeting-dialog .pick input")) el.disabled = all;
    setText(count, all ? tr("board.web.all_rooms") : tr("board.web.picked", {
      g: document.querySelectorAll("#mt-groups input:checked").length, r: document.querySelectorAll("#mt-rooms input:checked").length }));
  };
  const filter = h("input", { id: "mt-filter", type: "search", placeholder: tr("board.web.search"), oninput: (e) => {
    const q = fold(e.target.value).trim();
    for (const el of document.querySelectorAll("#mt-rooms label")) el.hidden = q !== "" && !fold(el.textContent).includes(q);
  } });
  const dialog = h("dialog", { id: "meeting-dialog" },
    h("form", { id: "meeting-form", method: "dialog", onsubmit: submitMeeting, onchange: recount },
      h("h3", {}, tr("board.web.schedule")),
      h("label", {}, tr("board.web.meeting_title"), h("input", { id: "mt-title", required: true })),
      h("div", { class: "two" },
        h("label", {}, tr("board.web.start"), h("input", { id: "mt-start", type: "datetime-local", value: local(in1h), required: true })),
        h("label", {}, tr("board.web.end"), h("input", { id: "mt-end", type: "datetime-local", value: local(new Date(in1h.getTime() + 7200e3)), required: true }))),
      h("label", {}, tr("board.web.meeting_id"), h("input", { id: "mt-id", pattern: "[a-z0-9][a-z0-9_-]{0,63}" })),
      h("fieldset", {}, h("legend", {}, tr("board.web.participants_pick"), " ", count),
        h("label", { class: "check" }, h("input", { id: "mt-all", type: "checkbox", checked: true }), tr("board.web.all_rooms")),
        h("h4", {}, tr("board.web.pick_groups")),
        h("div", { id: "mt-groups", class: "pick" }, [...groups].map(([id, name]) =>
          h("label", { class: "check" }, h("input", { type: "checkbox", value: id, disabled: true }), name))),
        h("h4", {}, tr("board.web.pick_rooms")), filter,
        h("div", { id: "mt-rooms", class: "pick" }, rooms.map((r) =>
          h("label", { class: "check" }, h("input", { type: "checkbox", value: r.id, disabled: true }), r.name)))),
      h("p", { id: "mt-error", class: "bad", role: "alert" }),
      h("p", { class: "buttons" },
        h("button", { id: "mt-submit", type: "submit", class: "primary" }, tr("board.web.schedule")),
        h("button", { id: "mt-close", type: "button", onclick: () => $("#meeting-dialog").close() }, tr("board.web.close")))));
  setTimeout(recount, 0);
  return dialog;
}

function openScheduler() { const d = $("#meeting-dialog"); if (d && !d.open) d.showModal(); }

async function submitMeeting(ev) {
  ev.preventDefault();
  const all = $("#mt-all").checked;
  const picked = (sel) => [...document.querySelectorAll(sel + " input:checked")].map((e) => e.value);
  const body = { title: $("#mt-title").value, start: new Date($("#mt-start").value).toISOString(),
                 end: new Date($("#mt-end").value).toISOString(),
                 rooms: all ? ["*"] : picked("#mt-rooms"), groups: all ? [] : picked("#mt-groups") };
  if ($("#mt-id").value) body.id = $("#mt-id").value;
  const r = await api("POST", "/api/meetings", body);
  if (r.data.ok) {
    $("#meeting-dialog").close();
    $("#mt-result").textContent = tr("board.web.meeting_scheduled"); $("#mt-result").className = "ok";
    refreshMeetings();
  } else {
    $("#mt-error").textContent = r.data.error.message;
  }
}

async function cancelMeeting(m) {
  if (!confirm(tr("board.web.confirm_cancel", { title: m.title }))) return;
  const r = await api("DELETE", "/api/meetings/" + encodeURIComponent(m.province) + "/" + encodeURIComponent(m.id));
  flash(r.data.ok ? tr("board.web.meeting_cancelled") : r.data.error.message, !r.data.ok);
}

// ---------------------------------------------------------------- report and audit

async function renderReport() {
  const view = $("#view");
  const now = new Date();
  const month = h("input", { id: "report-month", type: "month", value: now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") });
  const out = h("div", { id: "report-out", class: "scroll" });
  const load = async () => {
    const r = await api("GET", "/api/report?month=" + month.value);
    if (r.status !== 200) { out.replaceChildren(h("p", { class: "error" }, r.data.error.message)); return; }
    const pct = (v) => v === null ? "—" : v.toFixed(2) + " %";
    const dur = (s) => s >= 3600 ? (s / 3600).toFixed(1) + " h" : Math.round(s / 60) + " min";
    out.replaceChildren(h("table", {},
      h("tr", {}, ["room", "online", "ready", "outages", "longest", "missed"].map((k) => h("th", {}, tr("board.web.report." + k)))),
      r.data.rooms.map((x) => h("tr", {}, h("td", {}, x.name || x.room), h("td", {}, pct(x.online_pct)),
        h("td", {}, pct(x.ready_in_meetings_pct)), h("td", {}, x.outages), h("td", {}, dur(x.longest_outage_s)),
        h("td", {}, x.checks_missed + " / " + x.checks_expected)))));
  };
  month.addEventListener("change", load);
  view.replaceChildren(h("div", { class: "filters" }, h("label", { class: "inline" }, tr("board.web.month"), month),
    ["csv", "xlsx", "pdf"].map((f) => h("a", { href: "#", id: "report-" + f, onclick: (e) => { e.preventDefault(); location.href = "/api/report?format=" + f + "&lang=" + S.lang + "&month=" + month.value; } }, f.toUpperCase()))), out);
  await load();
}

const A = { q: "", rows: [] };
async function renderAudit() {
  const r = await api("GET", "/api/audit");
  if (S.view !== "audit") return;
  let list = $("#audit-list");
  if (!list) {
    const filter = h("input", { id: "audit-filter", type: "search", placeholder: tr("board.web.audit.filter"), value: A.q,
      oninput: (e) => { A.q = e.target.value; filterAudit(); } });
    list = h("table", { id: "audit-list" });
    $("#view").replaceChildren(h("div", { class: "filters" }, filter,
      h("button", { id: "audit-csv", type: "button", onclick: exportAudit }, "CSV")), scroll(list));
  }
  A.rows = r.data.audit;
  list.replaceChildren(
    h("tr", {}, ["time", "user", "action", "target", "result"].map((k) => h("th", {}, tr("board.web.audit." + k)))),
    ...r.data.audit.map((a) => h("tr", { class: a.ok ? "ok" : "bad", "data-audit": a.id, "data-action": a.action },
      h("td", {}, rel(a.ts)), h("td", {}, a.user), h("td", {}, actionText(a)), h("td", {}, targetText(a)),
      h("td", {}, resultText(a)))));
  filterAudit();
}

// The rows the filter shows, as a CSV file (with a BOM, so a spreadsheet reads the accents).
function exportAudit() {
  const q = fold(A.q).trim();
  const cell = (v) => '"' + String(v === null || v === undefined ? "" : v).replace(/"/g, '""') + '"';
  const head = ["time", "user", "action", "target", "result"].map((k) => cell(tr("board.web.audit." + k)));
  const lines = [head.join(",")];
  for (const a of A.rows || []) {
    const row = [a.ts, a.user, actionText(a), targetText(a), resultText(a)];
    if (q && !fold(row.join(" ")).includes(q)) continue;
    lines.push(row.map(cell).join(","));
  }
  const url = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" }));
  const link = h("a", { href: url, download: "audit.csv" });
  document.body.append(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function filterAudit() {
  const q = fold(A.q).trim();
  for (const tr_ of document.querySelectorAll("#audit-list tr[data-audit]")) tr_.hidden = q !== "" && !fold(tr_.textContent).includes(q);
}

// ---------------------------------------------------------------- boot

window.addEventListener("hashchange", () => { if (S.me) route(); });
document.addEventListener("DOMContentLoaded", async () => {
  $("#lang").value = S.lang;
  $("#lang").addEventListener("change", async (e) => {
    S.lang = e.target.value; localStorage.setItem("hnth.lang", S.lang); await loadMessages();
    if (S.me) { $("#who").textContent = S.me.user + " (" + tr("board.web.role." + S.me.role) + ")"; setHealth(S.health); route(); }
  });
  $("#login").addEventListener("submit", login);
  $("#ingest").addEventListener("click", () => flash($("#ingest").title, true));  // a phone shows only two words
  $("#logout").addEventListener("click", async () => { holdStop(true); await api("POST", "/api/logout", {}); showLogin(""); });
  await loadMessages();
  const r = await fetch("/api/me", { headers: { "X-Lang": S.lang }, credentials: "same-origin" });
  if (r.status === 200) { S.me = await r.json(); await start(); }
  else { const d = await r.json(); showLogin(d.error && d.error.code === "session_expired" ? d.error.message : ""); }
});
