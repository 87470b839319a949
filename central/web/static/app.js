// hnth board: one page, no build step. Every text comes from the server's vi/en catalogue.
"use strict";

const S = { lang: localStorage.getItem("hnth.lang") || "vi", M: {}, me: null, rooms: new Map(),
            meetings: [], health: {}, es: null, view: "", current: null, dirty: false };

function tr(key, params) {
  let text = S.M[key] || key;
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

function flash(text, bad) {
  const f = $("#flash");
  f.textContent = text; f.hidden = !text; f.className = bad ? "bad" : "";
}

async function api(method, url, body) {
  const headers = { "X-Lang": S.lang };
  if (S.me) headers["X-CSRF-Token"] = S.me.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers, credentials: "same-origin",
                             body: body === undefined ? undefined : JSON.stringify(body) });
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
  S.M = (await r.json()).messages;
  document.documentElement.lang = S.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = tr(el.dataset.t);
  $("#title").textContent = tr("board.web.title");
  document.title = tr("board.web.title");
}

function showLogin(message) {
  S.me = null;
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
  es.addEventListener("room", (e) => { const r = JSON.parse(e.data); S.rooms.set(r.room, r); schedule(); });
  es.addEventListener("meetings", () => debounce("meetings", refreshMeetings, 300));
  es.addEventListener("broker", (e) => setHealth(JSON.parse(e.data)));
  es.addEventListener("hello", (e) => setHealth(JSON.parse(e.data).health));
  es.addEventListener("snapshot", (e) => { if (S.current === JSON.parse(e.data).room) debounce("detail", renderRoom, 200); });
  es.addEventListener("event", (e) => { if (S.current === JSON.parse(e.data).room) debounce("detail", renderRoom, 200); });
  es.addEventListener("audit", () => {
    if (S.view === "room") debounce("detail", renderRoom, 100);
    if (S.view === "audit") debounce("audit", renderAudit, 100);
  });
  es.onerror = () => { setHealth(Object.assign({}, S.health, { stream_down: true })); };
  es.onopen = () => { if (S.health.stream_down) start(); };
}

const timers = {};
function debounce(name, fn, ms) { clearTimeout(timers[name]); timers[name] = setTimeout(fn, ms); }

function schedule() {
  if (S.dirty) return;
  S.dirty = true;
  requestAnimationFrame(() => {
    S.dirty = false;
    if (S.view === "fleet") renderFleet();
    if (S.view === "meetings") renderMeetings();
  });
}

function setHealth(hl) {
  S.health = hl;
  const b = $("#broker");
  const up = hl.broker_connected && !hl.stream_down;
  b.textContent = up ? tr("board.web.broker.up") : tr("board.web.broker.down", { error: hl.broker_error || "" });
  b.className = "pill" + (up ? "" : " down");
  b.id = "broker";
}

async function refreshMeetings() {
  const r = await api("GET", "/api/meetings");
  S.meetings = r.data.meetings;
  if (S.view === "meetings") renderMeetings();
}

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  S.view = parts[0] || "fleet";
  S.current = S.view === "room" ? decodeURIComponent(parts[1] || "") : null;
  const view = $("#view");
  view.replaceChildren();
  if (S.view === "room") renderRoom();
  else if (S.view === "meetings") renderMeetings();
  else if (S.view === "report") renderReport();
  else if (S.view === "audit") renderAudit();
  else { S.view = "fleet"; renderFleet(); }
}

const STATES = ["ready", "degraded", "not_ready", "offline", "stale", "unknown"];

function fmtTime(iso) {
  if (!iso) return tr("board.web.never");
  return new Date(iso).toLocaleString(S.lang === "vi" ? "vi-VN" : "en-GB");
}

function legend() {
  return h("div", { class: "legend" }, STATES.map((s) => h("span", { class: "s-" + s }, tr("board.web.state." + s))));
}

// ---------------------------------------------------------------- fleet grid

const F = { q: "", state: "", district: "" };

function renderFleet() {
  const view = $("#view");
  const focused = document.activeElement && document.activeElement.id;
  const rooms = [...S.rooms.values()].filter((r) =>
    (!F.state || r.state === F.state) && (!F.district || r.groups.some((g) => g.id === F.district)) &&
    (!F.q || (r.name + " " + r.room + " " + r.groups.map((g) => g.name).join(" ")).toLowerCase().includes(F.q.toLowerCase())));
  const counts = {};
  for (const r of S.rooms.values()) counts[r.state] = (counts[r.state] || 0) + 1;
  // Groups (since 2025 a former district is a group label), by id with their names.
  const groupNames = new Map();
  for (const r of S.rooms.values()) for (const g of r.groups) groupNames.set(g.id, g.name);
  const districts = [...groupNames.keys()].sort((a, b) => groupNames.get(a).localeCompare(groupNames.get(b)));
  const search = h("input", { id: "fleet-search", type: "search", placeholder: tr("board.web.search"), value: F.q,
                              oninput: (e) => { F.q = e.target.value; renderFleet(); } });
  const stateSel = h("select", { id: "fleet-state", onchange: (e) => { F.state = e.target.value; renderFleet(); } },
    h("option", { value: "" }, tr("board.web.all_states")),
    STATES.map((s) => h("option", { value: s, selected: F.state === s }, tr("board.web.state." + s) + " (" + (counts[s] || 0) + ")")));
  const distSel = h("select", { id: "fleet-district", onchange: (e) => { F.district = e.target.value; renderFleet(); } },
    h("option", { value: "" }, tr("board.web.all_districts")),
    districts.map((d) => h("option", { value: d, selected: F.district === d }, groupNames.get(d))));
  const groups = new Map();
  for (const r of rooms) {
    const key = r.province + " / " + (r.groups.length ? r.groups[0].name : tr("board.web.province_level"));
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const body = [];
  for (const [key, list] of groups) {
    body.push(h("div", { class: "district" }, key + " (" + list.length + ")"));
    body.push(h("div", { class: "grid" }, list.map((r) =>
      h("button", { class: "room-tile s-" + r.state, "data-room": r.room, "data-state": r.state,
                    title: r.failing.map((c) => c.name + ": " + c.summary).join("\n"),
                    onclick: () => { location.hash = "#/room/" + encodeURIComponent(r.room); } },
        r.name, h("small", {}, tr("board.web.state." + r.state) + " · " + fmtTime(r.last_seen))))));
  }
  view.replaceChildren(
    h("div", { class: "filters" }, search, stateSel, distSel,
      h("span", { id: "fleet-count" }, tr("board.web.rooms_shown", { n: rooms.length, total: S.rooms.size }))),
    legend(), ...body);
  if (focused === "fleet-search") { const s = $("#fleet-search"); s.focus(); s.setSelectionRange(s.value.length, s.value.length); }
}

// ---------------------------------------------------------------- room detail

async function renderRoom() {
  const room = S.current;
  if (!room) return;
  const r = await api("GET", "/api/rooms/" + encodeURIComponent(room));
  if (S.current !== room) return;
  const view = $("#view");
  if (r.status !== 200) { view.replaceChildren(h("p", { class: "error" }, r.data.error.message)); return; }
  const d = r.data;
  const op = S.me && S.me.role === "operator";
  const checks = h("table", { id: "room-checks" },
    h("tr", {}, h("th", {}, tr("board.web.col.check")), h("th", {}, tr("board.web.col.status")),
      h("th", {}, tr("board.web.col.summary")), h("th", {}, tr("board.web.col.hint")), h("th", {}, tr("board.web.col.metrics"))),
    d.checks.map((c) => h("tr", { class: c.status === "pass" ? "ok" : (c.status === "skip" ? "" : "bad") },
      h("td", {}, tr("check." + c.name)), h("td", {}, tr("status." + c.status)), h("td", {}, c.summary || ""),
      h("td", {}, c.hint || ""), h("td", {}, Object.entries(c.metrics || {}).map(([k, v]) => k + "=" + JSON.stringify(v)).join(", ")))));
  const snap = d.snapshot_ts
    ? h("img", { class: "snap", id: "room-snapshot", alt: tr("board.web.snapshot"),
                 src: "/api/rooms/" + encodeURIComponent(room) + "/snapshot?ts=" + encodeURIComponent(d.snapshot_ts) })
    : h("p", {}, tr("board.web.no_snapshot"));
  const timeline = h("table", { id: "room-events" },
    d.events.map((e) => h("tr", {}, h("td", {}, fmtTime(e.ts)), h("td", {}, e.kind),
      h("td", {}, [e.check, e.status, e.summary, e.verb, e.verdict].filter((x) => x !== undefined).join(" · ")))));
  const audit = h("table", { id: "room-audit" },
    d.audit.map((a) => h("tr", { class: a.ok ? "ok" : "bad", "data-audit": a.id },
      h("td", {}, fmtTime(a.ts)), h("td", {}, a.user), h("td", {}, a.action + " " + JSON.stringify(a.args)),
      h("td", {}, a.ok ? tr("board.web.ok") : (a.result.error ? a.result.error.message : tr("board.web.failed"))))));
  view.replaceChildren(
    h("h2", { id: "room-title" }, d.name + " ", h("small", {}, d.room + (d.groups.length ? " · " + d.groups.map((g) => g.name).join(", ") : ""))),
    h("p", {}, h("span", { class: "room-tile s-" + d.state, id: "room-state" }, tr("board.web.state." + d.state)),
      " " + tr("board.web.last_seen") + ": " + fmtTime(d.last_seen),
      d.schema_note ? " · " + tr("board.web.schema_note", { schema: d.schema_note }) : ""),
    h("div", { class: "row" },
      h("div", { class: "card" }, h("h3", {}, tr("board.web.checks")), checks,
        op ? h("button", { id: "rerun", onclick: () => command("check", {}) }, tr("board.web.rerun")) : null,
        op ? h("button", { id: "snap-now", onclick: () => command("snapshot", {}) }, tr("board.web.snap_now")) : null),
      h("div", { class: "card" }, h("h3", {}, tr("board.web.snapshot")), snap)),
    h("div", { class: "row" },
      h("div", { class: "card" }, h("h3", {}, tr("board.web.camera")), op ? ptzPad() : h("p", {}, tr("board.web.viewer_only")),
        h("p", { id: "ptz-result", role: "status" })),
      h("div", { class: "card" }, h("h3", {}, tr("board.web.audit")), audit)),
    h("div", { class: "card" }, h("h3", {}, tr("board.web.events")), timeline));
  showResult();
}

function ptzPad() {
  const dirs = [["up-left", "↖"], ["up", "↑"], ["up-right", "↗"], ["left", "←"], null, ["right", "→"],
                ["down-left", "↙"], ["down", "↓"], ["down-right", "↘"]];
  const speed = h("input", { id: "ptz-speed", type: "number", min: 1, max: 24, value: 8 });
  const preset = h("input", { id: "ptz-preset", type: "number", min: 0, max: 254, value: 1 });
  return h("div", {},
    h("div", { class: "pad" }, dirs.map((d) => d
      ? h("button", { class: "ptz-btn", "data-dir": d[0], title: tr("board.web.dir." + d[0]),
                      onclick: () => command("ptz.move", { direction: d[0], speed: Number(speed.value), duration_ms: 500 }) }, d[1])
      : h("button", { class: "stop", id: "ptz-stop", onclick: () => command("ptz.stop", {}) }, tr("board.web.stop")))),
    h("p", {},
      h("label", {}, tr("board.web.speed"), speed),
      h("button", { id: "zoom-in", onclick: () => command("ptz.zoom", { action: "in" }) }, tr("board.web.zoom_in")),
      h("button", { id: "zoom-out", onclick: () => command("ptz.zoom", { action: "out" }) }, tr("board.web.zoom_out")),
      h("button", { id: "zoom-stop", onclick: () => command("ptz.zoom", { action: "stop" }) }, tr("board.web.zoom_stop")),
      h("button", { id: "ptz-home", onclick: () => command("ptz.home", {}) }, tr("board.web.home"))),
    h("p", {}, h("label", {}, tr("board.web.preset"), preset),
      h("button", { id: "preset-recall", onclick: () => command("ptz.preset.recall", { preset: Number(preset.value) }) }, tr("board.web.recall")),
      h("button", { id: "preset-set", onclick: () => command("ptz.preset.set", { preset: Number(preset.value) }) }, tr("board.web.save"))));
}

function showResult() {
  // The room page is re-rendered on live updates, so the last result lives in S, not in the DOM.
  const out = $("#ptz-result");
  const last = S.lastResult;
  if (!out || !last || last.room !== S.current) return;
  out.textContent = last.text;
  out.className = last.ok === null ? "" : (last.ok ? "ok" : "bad");
  if (last.ok !== null) out.dataset.ok = last.ok ? "1" : "0"; else delete out.dataset.ok;
}

async function command(verb, args) {
  const room = S.current;
  S.lastResult = { room, ok: null, text: tr("board.web.sending", { verb }) };
  showResult();
  const r = await api("POST", "/api/rooms/" + encodeURIComponent(room) + "/command", { verb, args });
  const d = r.data;
  const text = d.ok ? tr("board.web.cmd_ok", { verb, result: JSON.stringify(d.result || {}) })
                    : tr("board.web.cmd_failed", { verb, error: d.error ? d.error.message : "?" });
  S.lastResult = { room, ok: !!d.ok, text };
  if ($("#ptz-result") && S.current === room) showResult();
  else flash(text, !d.ok);
}

// ---------------------------------------------------------------- meetings

function renderMeetings() {
  const view = $("#view");
  const op = S.me && S.me.role === "operator";
  const active = document.activeElement && document.activeElement.closest && document.activeElement.closest("#meeting-form");
  const cards = S.meetings.map((m) => h("div", { class: "card meeting-card", "data-id": m.id },
    h("h3", {}, m.title + " ", h("small", {}, fmtTime(m.start) + " – " + fmtTime(m.end))),
    h("p", {}, tr("board.web.participants", { n: m.participants }), " · ", m.rooms.concat(m.groups || []).join(", ")),
    h("p", { class: "checked-count", "data-checked": m.checked, "data-participants": m.participants },
      tr("board.web.checked_count", { n: m.checked, total: m.participants })),
    h("div", { class: "counts" }, ["ready", "degraded", "not_ready", "offline", "stale"].map((s) =>
      h("span", { class: "s-" + s + " count-" + s, "data-n": m.counts[s] || 0 }, tr("board.web.state." + s) + ": " + (m.counts[s] || 0)))),
    m.problems.length ? h("table", { class: "problems" },
      m.problems.map((p) => h("tr", {},
        h("td", {}, h("a", { href: "#/room/" + encodeURIComponent(p.room) }, p.name)),
        h("td", {}, tr("board.web.state." + p.state)),
        h("td", {}, !p.checked_for_meeting ? tr("board.web.not_checked")
          : (p.offset === null || p.offset === undefined ? tr("board.web.checked_at", { time: fmtTime(p.checked_at) })
                                                       : tr("board.web.checked", { offset: p.offset }))),
        h("td", {}, p.failing.map((c) => h("div", {}, tr("check." + c.name) + ": " + (c.summary || "") + (c.hint ? " → " + c.hint : ""))))))) : null,
    op ? h("button", { class: "cancel-meeting", onclick: () => cancelMeeting(m) }, tr("board.web.cancel_meeting")) : null));
  const empty = cards.length ? [] : [h("p", { class: "no-meetings" }, tr("board.web.no_meetings"))];
  if (active) {
    // Keep the form the operator is typing in; replace only the meeting cards.
    view.querySelectorAll(".meeting-card, .no-meetings").forEach((e) => e.remove());
    view.append(...cards, ...empty);
    return;
  }
  const form = op ? meetingForm() : null;
  view.replaceChildren(...(form ? [form] : []), ...cards, ...empty);
}

function meetingForm() {
  const pad = (n) => String(n).padStart(2, "0");
  const local = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  const in1h = new Date(Date.now() + 3600e3);
  const form = h("form", { class: "card", id: "meeting-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { title: $("#mt-title").value, start: new Date($("#mt-start").value).toISOString(),
                     end: new Date($("#mt-end").value).toISOString(), rooms: $("#mt-rooms").value };
      if ($("#mt-id").value) body.id = $("#mt-id").value;
      const r = await api("POST", "/api/meetings", body);
      $("#mt-result").textContent = r.data.ok ? tr("board.web.meeting_scheduled") : r.data.error.message;
      $("#mt-result").className = r.data.ok ? "ok" : "bad";
    } },
    h("h3", {}, tr("board.web.schedule")),
    h("label", {}, tr("board.web.meeting_title"), h("input", { id: "mt-title", required: true })),
    h("label", {}, tr("board.web.meeting_id"), h("input", { id: "mt-id", pattern: "[a-z0-9][a-z0-9_-]{0,63}" })),
    h("label", {}, tr("board.web.start"), h("input", { id: "mt-start", type: "datetime-local", value: local(in1h), required: true })),
    h("label", {}, tr("board.web.end"), h("input", { id: "mt-end", type: "datetime-local", value: local(new Date(in1h.getTime() + 7200e3)), required: true })),
    h("label", {}, tr("board.web.rooms_patterns"), h("input", { id: "mt-rooms", value: "*" })),
    h("button", { id: "mt-submit", type: "submit" }, tr("board.web.schedule")),
    h("p", { id: "mt-result", role: "status" }));
  return form;
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
  const out = h("div", { id: "report-out" });
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
  view.replaceChildren(h("div", { class: "filters" }, h("label", {}, tr("board.web.month"), month),
    h("a", { href: "#", id: "report-csv", onclick: (e) => { e.preventDefault(); location.href = "/api/report?format=csv&month=" + month.value; } }, "CSV")), out);
  await load();
}

async function renderAudit() {
  const r = await api("GET", "/api/audit");
  if (S.view !== "audit") return;
  $("#view").replaceChildren(h("table", { id: "audit-list" },
    h("tr", {}, ["time", "user", "action", "target", "result"].map((k) => h("th", {}, tr("board.web.audit." + k)))),
    r.data.audit.map((a) => h("tr", { class: a.ok ? "ok" : "bad", "data-audit": a.id },
      h("td", {}, fmtTime(a.ts)), h("td", {}, a.user), h("td", {}, a.action + " " + JSON.stringify(a.args)), h("td", {}, a.target),
      h("td", {}, a.ok ? tr("board.web.ok") : (a.result.error ? a.result.error.message : tr("board.web.failed")))))));
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
  $("#logout").addEventListener("click", async () => { await api("POST", "/api/logout", {}); showLogin(""); });
  await loadMessages();
  const r = await fetch("/api/me", { headers: { "X-Lang": S.lang }, credentials: "same-origin" });
  if (r.status === 200) { S.me = await r.json(); await start(); }
  else { const d = await r.json(); showLogin(d.error && d.error.code === "session_expired" ? d.error.message : ""); }
});
