// goconnect console: plain JavaScript over the worker's REST API, no
// framework and no build step (see the README's "Web console" section).
'use strict';

// The REST API's root: the page lives at <root>ui/.
const ROOT = location.pathname.replace(/ui\/.*$/, '');
const POLL_MS = 2000;
const KEEP_MS = 5 * 60 * 1000; // the charts' window
const main = document.getElementById('main');

const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g, c =>
  ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]);
const enc = encodeURIComponent;
const fmt = n => n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(Math.round(n * 10) / 10);

async function api(method, path, body) {
  const opt = {method, headers: {Accept: 'application/json'}};
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(ROOT + path.replace(/^\//, ''), opt);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!r.ok) {
    const err = new Error((data && data.message) || (r.status + ' ' + r.statusText));
    err.status = r.status;
    err.data = data;
    throw err;
  }
  return data;
}

// --- metrics history: records/s per connector, computed from counters ---

const samples = []; // {t, rec: {connector: records}}
let lastMetrics = {tasks: [], snapshots: [], unreachable: {}};
let lastConnectors = {}; // GET /connectors?expand=status&expand=info, from the overview
let lastETag = null, lastPolled = 0, unchanged = 0;

// pollOverview fetches /ui/api/overview, the one request a page polls: the
// worker builds it once a second for every open page and answers 304 while
// it is unchanged (the browser revalidates its stored copy: cache
// 'no-cache'). It reports whether the content changed.
async function pollOverview() {
  const r = await fetch(ROOT + 'ui/api/overview', {headers: {Accept: 'application/json'}, cache: 'no-cache'});
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText;
    try { msg = (await r.json()).message || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  const now = Date.now();
  const etag = r.headers.get('ETag');
  if (etag && etag === lastETag) {
    // Unchanged: no counter moved since the last sample, a zero rate.
    const last = samples[samples.length - 1];
    if (last) pushSample(last.t + (now - lastPolled), last.rec);
    lastPolled = now;
    unchanged++;
    return false;
  }
  const ov = await r.json();
  lastETag = etag; lastPolled = now; unchanged = 0;
  const m = ov.metrics || {};
  lastConnectors = ov.connectors || {};
  lastMetrics = {tasks: m.tasks || [], snapshots: m.snapshots || [], unreachable: m.unreachable || {}};
  const rec = {};
  for (const t of lastMetrics.tasks) rec[t.connector] = (rec[t.connector] || 0) + t.records;
  pushSample(m.time, rec);
  return true;
}

function pushSample(t, rec) {
  samples.push({t, rec});
  while (samples.length > 2 && samples[0].t < t - KEEP_MS) samples.shift();
}

function rates(name) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    const dt = (b.t - a.t) / 1000;
    if (dt <= 0) continue;
    const d = (b.rec[name] || 0) - (a.rec[name] || 0);
    out.push(d < 0 ? 0 : d / dt); // a counter reset (task restarted) is no negative rate
  }
  return out;
}

function spark(values, w, h) {
  if (values.length < 2) return `<svg class="spark" width="${w}" height="${h}"></svg>`;
  const max = Math.max(1, ...values);
  const step = w / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`).join(' ');
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><polyline points="${pts}"/></svg>`;
}

function throughput(name, w, h) {
  const r = rates(name);
  const now = r.length ? r[r.length - 1] : 0;
  return `${spark(r, w, h)} <span class="rate">${fmt(now)} rec/s</span>`;
}

function errorsOf(name) {
  const e = {failures: 0, skipped: 0, dlq: 0, dlqFail: 0};
  for (const t of lastMetrics.tasks) {
    if (t.connector !== name) continue;
    e.failures += t.failures; e.skipped += t.skipped; e.dlq += t.dlq; e.dlqFail += t.dlq_failures;
  }
  return e;
}

// drawUnreachable names the workers whose metrics the overview lacks (down,
// or refusing this worker's request): their tasks' rates and counts are
// missing from the page, not zero.
function drawUnreachable() {
  const box = document.getElementById('unreachable');
  if (!box) return;
  const u = lastMetrics.unreachable;
  box.innerHTML = Object.keys(u).sort().map(w =>
    `<div class="worker-down" data-worker="${esc(w)}">metrics of worker ${esc(w)} unavailable: ${esc(u[w])}</div>`).join('');
}

function bar(done, total, label) {
  const pct = total > 0 ? Math.min(100, 100 * done / total) : 0;
  return `<div class="bar" data-pct="${pct.toFixed(0)}"><span style="width:${pct.toFixed(1)}%"></span><em>${esc(label || pct.toFixed(0) + '%')}</em></div>`;
}

// snapshotSummary: tables done / total over the connector's tasks.
function snapshotsOf(name) { return lastMetrics.snapshots.filter(s => s.connector === name); }

function snapshotBar(name) {
  const ss = snapshotsOf(name);
  if (!ss.length) return '';
  let total = 0, remaining = 0, running = false, aborted = false, paused = false, incr = false;
  for (const s of ss) {
    total += s.tables; remaining += s.remaining; running = running || s.running; aborted = aborted || s.aborted;
    paused = paused || s.paused; incr = incr || s.incremental;
  }
  const kind = incr ? 'incremental snapshot' : 'snapshot';
  const what = aborted ? kind + ' aborted' : paused ? kind + ' paused' : running ? kind : kind + ' done';
  return bar(total - remaining, total, `${what}: ${total - remaining}/${total} tables`);
}

const stateBadge = s => `<span class="state s-${esc(s)}">${esc(s)}</span>`;
const shortClass = c => esc(String(c || '').split('.').pop());

// --- routing ---

let timer = null;
let renderSeq = 0;

function route() {
  clearTimeout(timer);
  timer = null;
  const seq = ++renderSeq;
  delete main.dataset.page; // set again, as page:name, once the new page is drawn
  const h = location.hash.replace(/^#/, '') || '/';
  let m;
  let page;
  if (h === '/' || h === '') page = () => listPage(seq);
  else if (h === '/new') page = () => createPage();
  else if ((m = h.match(/^\/c\/([^/]+)\/offsets$/))) page = () => offsetsPage(decodeURIComponent(m[1]));
  else if ((m = h.match(/^\/c\/([^/]+)$/))) page = () => connectorPage(decodeURIComponent(m[1]), seq);
  else page = () => { main.innerHTML = '<p>Unknown page. <a href="#/">Connectors</a></p>'; };
  Promise.resolve().then(page).catch(showFatal);
}

function showFatal(e) {
  main.innerHTML = `<div class="msg err">${esc(e.message)}</div>`;
}

// poll refreshes the overview now and every POLL_MS while the page (seq)
// is shown, and calls draw when there is something new to show: the
// content changed, or the charts' rates just dropped to zero. A page left
// open on an idle worker thus costs a 304 every 2 s and no drawing.
async function poll(seq, draw) {
  if (seq !== renderSeq) return;
  if (document.hidden) { // a background tab costs the worker nothing
    schedule(seq, draw);
    return;
  }
  try {
    const changed = await pollOverview();
    const box = document.getElementById('pollerr');
    if (box && box.textContent) box.textContent = ''; // refreshed again
    if (seq === renderSeq && (changed || unchanged <= 1 || drawnSeq !== seq)) {
      drawnSeq = seq;
      await draw();
    }
  } catch (e) {
    const box = document.getElementById('pollerr');
    if (box) box.textContent = 'refresh failed: ' + e.message;
  }
  if (seq === renderSeq) schedule(seq, draw);
}
let drawnSeq = 0;
let nextPoll = null; // what timer will run; timer is null while a poll runs

function schedule(seq, draw) {
  nextPoll = () => { timer = null; poll(seq, draw); };
  timer = setTimeout(nextPoll, POLL_MS);
}

// A tab shown again refreshes at once instead of at its next tick.
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && timer !== null) { clearTimeout(timer); nextPoll(); }
});

// --- connectors list ---

async function listPage(seq) {
  main.innerHTML = '<h1>Connectors</h1><div id="pollerr" class="bad"></div><div id="unreachable" class="bad"></div><div id="list"><p class="muted">Loading…</p></div>';
  let first = true;
  await poll(seq, async () => {
    drawUnreachable();
    const all = lastConnectors;
    const names = Object.keys(all).sort();
    const rows = names.map(n => {
      const st = all[n].status || {}, info = all[n].info || {};
      const c = st.connector || {};
      const tasks = (st.tasks || []).map(t =>
        `<span class="task" title="worker ${esc(t.worker_id)}">#${t.id} ${stateBadge(t.state)} <span class="muted">${esc(t.worker_id)}</span></span>`).join('<br>');
      const e = errorsOf(n);
      const errs = `${fmt(e.failures)} / ${fmt(e.skipped)} / ${fmt(e.dlq)}` + (e.dlqFail ? ` <span class="bad">(${fmt(e.dlqFail)} DLQ failed)</span>` : '');
      return `<tr data-connector="${esc(n)}"><td><a href="#/c/${enc(n)}">${esc(n)}</a></td>` +
        `<td class="cstate" data-state="${esc(c.state)}">${stateBadge(c.state)}<div class="muted">${esc(c.worker_id)}</div></td>` +
        `<td>${esc(st.type || info.type)}</td><td title="${esc((info.config || {})['connector.class'])}">${shortClass((info.config || {})['connector.class'])}</td>` +
        `<td>${tasks || '<span class="muted">none</span>'}</td><td class="k">${throughput(n, 120, 24)}${snapshotBar(n)}</td><td>${errs}</td></tr>`;
    });
    document.getElementById('list').innerHTML = names.length ?
      `<table id="connectors"><thead><tr><th>Name</th><th>State</th><th>Type</th><th>Class</th><th>Tasks</th><th>Throughput (last ${KEEP_MS / 60000} min)</th><th>Failures / skipped / DLQ</th></tr></thead><tbody>${rows.join('')}</tbody></table>` :
      '<p class="muted">No connectors. <a href="#/new">Create one.</a></p>';
    if (first) {
      first = false;
      window.consoleFirstRender = performance.now(); // read by the e2e test's figures
      main.dataset.page = 'list';
    }
  });
}

// --- connector page ---

const PASSWORD_NAME = /(password|secret|sasl\.jaas\.config|\.key$|token)/i;

async function passwordKeys(cls) {
  const keys = new Set();
  try {
    const defs = await api('GET', `/connector-plugins/${enc(cls)}/config`);
    for (const d of defs || []) if (d.type === 'PASSWORD') keys.add(d.name);
  } catch (e) { /* unknown plugin: the name rule alone hides values */ }
  return keys;
}

const hidden = (keys, k, v) => keys.has(k) || (PASSWORD_NAME.test(k) && !/\.(enable|type|location)$/.test(k) && !/^\$\{.*\}$/.test(v));

async function connectorPage(name, seq) {
  const info = await api('GET', `/connectors/${enc(name)}`);
  const pw = await passwordKeys(info.config['connector.class']);
  const cfg = Object.keys(info.config).sort().map(k => {
    const v = info.config[k];
    const shown = hidden(pw, k, v) ? '<span class="muted" data-hidden="1">[hidden]</span>' : `<code>${esc(v)}</code>`;
    return `<tr><td class="k"><code>${esc(k)}</code></td><td>${shown}</td></tr>`;
  }).join('');
  main.innerHTML = `<h1>${esc(name)} <span id="cstate"></span></h1>
<div class="actions">
<button data-act="pause">Pause</button><button data-act="resume">Resume</button><button data-act="stop">Stop</button>
<span><button data-act="restart">Restart</button> <label><input type="checkbox" id="includeTasks"> includeTasks</label> <label><input type="checkbox" id="onlyFailed"> onlyFailed</label></span>
<button data-act="delete" class="danger">Delete</button>
<a href="#/c/${enc(name)}/offsets">Offsets</a>
</div>
<div id="confirm"></div><div id="result"></div><div id="pollerr" class="bad"></div><div id="unreachable" class="bad"></div>
<h2>Throughput</h2><div id="tp"></div>
<div id="snap"></div>
<h2>Tasks</h2><div id="tasks"></div>
<h2>Config</h2><table id="config"><tbody>${cfg}</tbody></table>`;
  for (const b of main.querySelectorAll('button[data-act]')) b.onclick = () => askAction(name, b.dataset.act);
  main.dataset.page = 'connector:' + name;
  await poll(seq, async () => {
    const st = (lastConnectors[name] || {}).status;
    if (!st) throw new Error(`connector ${name} not found`);
    drawUnreachable();
    const c = st.connector;
    document.getElementById('cstate').innerHTML = stateBadge(c.state);
    document.getElementById('cstate').dataset.state = c.state;
    const unit = (label, s) => `<tr><td>${label}</td><td>${stateBadge(s.state)}</td><td>${esc(s.worker_id)}</td><td>${s.trace ? `<pre class="trace">${esc(s.trace)}</pre>` : ''}</td></tr>`;
    document.getElementById('tasks').innerHTML = `<table><thead><tr><th>Unit</th><th>State</th><th>Worker</th><th>Trace</th></tr></thead><tbody>` +
      unit('connector', c) + st.tasks.map(t => unit('task ' + t.id, t)).join('') + '</tbody></table>';
    const e = errorsOf(name);
    document.getElementById('tp').innerHTML = `${throughput(name, 480, 60)} <span class="muted">failures ${fmt(e.failures)}, skipped ${fmt(e.skipped)}, DLQ ${fmt(e.dlq)}, DLQ failures ${fmt(e.dlqFail)}</span>`;
    document.getElementById('snap').innerHTML = snapshotDetail(name);
  });
}

function snapshotDetail(name) {
  const ss = snapshotsOf(name);
  if (!ss.length) return '';
  let html = '<h2>Snapshot</h2>';
  for (const s of ss) {
    const done = s.tables - s.remaining;
    const state = s.aborted ? 'aborted' : s.paused ? 'paused' : s.running ? 'running' : s.completed ? 'completed' : '';
    html += `<p>task ${s.task} on ${esc(s.worker)}: ${s.incremental ? 'incremental snapshot ' : ''}${state}, ${done}/${s.tables} tables, ${s.duration_seconds.toFixed(0)} s</p>` +
      `<div class="snapshot" data-task="${s.task}" data-kind="${s.incremental ? 'incremental' : 'initial'}">${bar(done, s.tables, `${done}/${s.tables} tables`)}</div>`;
    if (s.chunk) { // Debezium's ChunkId, ChunkFrom, ChunkTo, TableFrom, TableTo
      const c = s.chunk;
      html += `<p class="chunk muted" data-chunk="${esc(c.chunk_id)}">chunk <code>${esc(c.chunk_id)}</code> of <code>${esc(c.table)}</code>: keys <code>${esc(c.chunk_from)}</code> to <code>${esc(c.chunk_to)}</code>; table keys <code>${esc(c.table_from)}</code> to <code>${esc(c.table_to)}</code></p>`;
    }
    const tables = Object.keys(s.rows).sort();
    if (tables.length) {
      html += '<table><thead><tr><th>Table</th><th>Rows scanned / estimated</th></tr></thead><tbody>' + tables.map(t => {
        const rows = s.rows[t], est = s.estimated[t];
        // A completed snapshot read every row, whatever the estimate was.
        const b = s.completed ? bar(1, 1, `${fmt(rows)} rows`) :
          est > 0 ? bar(rows, Math.max(est, rows), `${fmt(rows)} / ~${fmt(est)}`) : `${fmt(rows)} rows`;
        return `<tr><td><code>${esc(t)}</code></td><td>${b}</td></tr>`;
      }).join('') + '</tbody></table>';
    }
  }
  return html;
}

function askAction(name, act) {
  let label = act;
  if (act === 'restart') {
    const it = document.getElementById('includeTasks').checked, of = document.getElementById('onlyFailed').checked;
    label = `restart (includeTasks=${it}, onlyFailed=${of})`;
  }
  confirmBox(`${label} connector <b>${esc(name)}</b>?`, async () => {
    const res = document.getElementById('result');
    try {
      let out;
      if (act === 'restart') {
        const it = document.getElementById('includeTasks').checked, of = document.getElementById('onlyFailed').checked;
        out = await api('POST', `/connectors/${enc(name)}/restart?includeTasks=${it}&onlyFailed=${of}`);
      } else if (act === 'delete') {
        await api('DELETE', `/connectors/${enc(name)}`);
        location.hash = '#/';
        return;
      } else {
        await api('PUT', `/connectors/${enc(name)}/${act}`);
      }
      res.innerHTML = `<div class="msg">${esc(act)}: accepted${out ? ' — ' + esc(restartAnswer(out)) : ''}</div>`;
    } catch (e) {
      res.innerHTML = `<div class="msg err">${esc(act)}: ${esc(e.message)}</div>`;
    }
  });
}

// restartAnswer words POST …/restart's 202 answer (includeTasks or
// onlyFailed set): the states Connect set, RESTARTING for what it restarts.
function restartAnswer(out) {
  if (!out.connector) return JSON.stringify(out);
  return [`connector ${out.connector.state}`].concat((out.tasks || []).map(t => `task ${t.id} ${t.state}`)).join(', ');
}

function confirmBox(html, onYes) {
  const box = document.getElementById('confirm');
  box.innerHTML = `<div class="confirm"><span>${html}</span><button class="primary" id="confirm-yes">Confirm</button><button id="confirm-no">Cancel</button></div>`;
  document.getElementById('confirm-no').onclick = () => { box.innerHTML = ''; };
  document.getElementById('confirm-yes').onclick = () => { box.innerHTML = ''; onYes(); };
}

// --- offsets page ---

// mysqlOffset renders a Debezium MySQL offset readably.
function readableOffset(o) {
  if (o && o.file !== undefined && o.pos !== undefined) {
    let s = `binlog <b>${esc(o.file)}</b> position <b>${esc(o.pos)}</b>`;
    if (o.row) s += `, row ${esc(o.row)}`;
    if (o.event) s += `, event ${esc(o.event)}`;
    if (o.snapshot) s += ` <span class="muted">(snapshot in progress)</span>`;
    if (o.ts_sec) s += `<br><span class="muted">at ${esc(new Date(o.ts_sec * 1000).toISOString())}</span>`;
    if (o.gtids) s += '<br>GTIDs:<br>' + String(o.gtids).split(',').map(g => `<code>${esc(g.trim())}</code>`).join('<br>');
    return s;
  }
  return '';
}

async function offsetsPage(name) {
  const info = await api('GET', `/connectors/${enc(name)}`);
  main.innerHTML = `<h1><a href="#/c/${enc(name)}">${esc(name)}</a> offsets</h1><div id="off"><p class="muted">Loading…</p></div>`;
  await renderOffsets(name, info.type);
  main.dataset.page = 'offsets:' + name;
}

async function renderOffsets(name, type) {
  const offs = await api('GET', `/connectors/${enc(name)}/offsets`);
  let html = '';
  if (type === 'sink') {
    const lag = await api('GET', `/ui/api/connectors/${enc(name)}/lag`);
    html += `<p class="muted">Consumer group <code>${esc(lag.group)}</code></p><table id="offsets"><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>Log end</th><th>Lag</th></tr></thead><tbody>` +
      lag.partitions.map(p => `<tr data-topic="${esc(p.topic)}" data-partition="${p.partition}"><td>${esc(p.topic)}</td><td>${p.partition}</td><td class="committed">${p.committed < 0 ? '<span class="muted">none</span>' : p.committed}</td><td class="end">${p.log_end_offset}</td><td class="lag">${p.lag}</td></tr>`).join('') +
      '</tbody></table>';
  } else {
    html += `<table id="offsets"><thead><tr><th>Partition</th><th>Offset</th><th></th></tr></thead><tbody>` +
      offs.offsets.map(o => `<tr><td><code class="partition">${esc(JSON.stringify(o.partition))}</code></td><td><code class="offset">${esc(JSON.stringify(o.offset))}</code></td><td>${readableOffset(o.offset)}</td></tr>`).join('') +
      '</tbody></table>';
    if (!offs.offsets.length) html += '<p class="muted">No stored offsets.</p>';
  }
  html += `<h2>Change offsets</h2><p class="muted">KIP-875: the connector is stopped, the offsets altered (PATCH) or reset (DELETE), then resumed. The worker validates the offsets as the REST API does.</p>
<textarea id="offedit" spellcheck="false">${esc(JSON.stringify({offsets: offs.offsets}, null, 2))}</textarea>
<div class="actions"><button class="primary" id="alter">Stop, alter, resume</button><button class="danger" id="reset">Stop, reset all, resume</button>
<label><input type="checkbox" id="resumeAfter" checked> resume afterwards</label></div>
<div id="confirm"></div><div id="flow"></div>`;
  document.getElementById('off').innerHTML = html;
  document.getElementById('alter').onclick = () => {
    let body;
    try { body = JSON.parse(document.getElementById('offedit').value); } catch (e) {
      document.getElementById('flow').innerHTML = `<div class="msg err">Not JSON: ${esc(e.message)}</div>`;
      return;
    }
    confirmBox(`Stop <b>${esc(name)}</b> and alter its offsets?`, () => offsetFlow(name, type, 'PATCH', body));
  };
  document.getElementById('reset').onclick = () =>
    confirmBox(`Stop <b>${esc(name)}</b> and reset <b>all</b> its offsets?`, () => offsetFlow(name, type, 'DELETE'));
}

async function offsetFlow(name, type, method, body) {
  const flow = document.getElementById('flow');
  const resume = document.getElementById('resumeAfter').checked;
  const log = [];
  const show = (cls) => { flow.innerHTML = `<div class="msg ${cls || ''}" id="flowlog">${log.map(esc).join('<br>')}</div>`; };
  try {
    log.push('stopping…'); show();
    await api('PUT', `/connectors/${enc(name)}/stop`);
    const deadline = Date.now() + 60000;
    for (;;) {
      const st = await api('GET', `/connectors/${enc(name)}/status`);
      if (st.connector.state === 'STOPPED' && st.tasks.length === 0) break;
      if (Date.now() > deadline) throw new Error('the connector did not stop within 60 s');
      await new Promise(r => setTimeout(r, 300));
    }
    log.push('stopped'); log.push(method === 'PATCH' ? 'altering offsets…' : 'resetting offsets…'); show();
    const out = await api(method, `/connectors/${enc(name)}/offsets`, body);
    log.push(out.message);
    if (resume) {
      log.push('resuming…'); show();
      await api('PUT', `/connectors/${enc(name)}/resume`);
      log.push('resumed');
    } else {
      log.push('left STOPPED');
    }
    log.push('done');
    show();
    await renderOffsets(name, type).then(() => { document.getElementById('flow').innerHTML = `<div class="msg" id="flowlog">${log.map(esc).join('<br>')}</div>`; });
  } catch (e) {
    log.push('failed: ' + e.message + ' (the connector is left as it is now)');
    show('err');
  }
}

// --- create a connector ---

const EXAMPLE = {name: 'ratings', config: {'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
  'kafka.topic': 'ratings', quickstart: 'ratings', 'max.interval': '100', 'tasks.max': '1'}};

function createPage() {
  main.innerHTML = `<h1>New connector</h1>
<p class="muted">Connector JSON as <code>POST /connectors</code> takes it. Validate checks it with the plugin's validation, as <code>PUT /connector-plugins/{class}/config/validate</code> does.</p>
<textarea id="newjson" spellcheck="false">${esc(JSON.stringify(EXAMPLE, null, 2))}</textarea>
<div class="actions"><button id="validate">Validate</button><button class="primary" id="create">Create</button></div>
<div id="result"></div><div id="keys"></div>`;
  document.getElementById('validate').onclick = () => validateNew(false);
  document.getElementById('create').onclick = () => validateNew(true);
  main.dataset.page = 'new';
}

async function validateNew(create) {
  const res = document.getElementById('result'), keys = document.getElementById('keys');
  res.innerHTML = ''; keys.innerHTML = '';
  let body;
  try { body = JSON.parse(document.getElementById('newjson').value); } catch (e) {
    res.innerHTML = `<div class="msg err">Not JSON: ${esc(e.message)}</div>`;
    return;
  }
  const config = Object.assign({}, body.config || {});
  if (body.name && !config.name) config.name = body.name;
  const cls = config['connector.class'];
  if (!cls) {
    res.innerHTML = '<div class="msg err">config needs connector.class</div>';
    return;
  }
  try {
    const v = await api('PUT', `/connector-plugins/${enc(cls)}/config/validate`, config);
    const rows = v.configs.filter(c => c.value.errors.length || Object.prototype.hasOwnProperty.call(config, c.value.name))
      .sort((a, b) => (b.value.errors.length - a.value.errors.length) || a.value.name.localeCompare(b.value.name));
    keys.innerHTML = `<table id="validation"><thead><tr><th>Key</th><th>Value</th><th>Errors</th></tr></thead><tbody>` + rows.map(c => {
      const pw = c.definition.type === 'PASSWORD';
      const val = pw && c.value.value != null ? '<span class="muted">[hidden]</span>' : `<code>${esc(c.value.value)}</code>`;
      return `<tr data-key="${esc(c.value.name)}"><td class="k"><code>${esc(c.value.name)}</code></td><td>${val}</td><td class="err">${c.value.errors.map(esc).join('<br>')}</td></tr>`;
    }).join('') + '</tbody></table>';
    if (v.error_count > 0) {
      res.innerHTML = `<div class="msg err" id="verdict">${v.error_count} error(s); fix the keys below.</div>`;
      return;
    }
    if (!create) {
      res.innerHTML = '<div class="msg" id="verdict">Valid.</div>';
      return;
    }
    const made = await api('POST', '/connectors', {name: config.name, config: body.config});
    location.hash = `#/c/${enc(made.name)}`;
  } catch (e) {
    res.innerHTML = `<div class="msg err" id="verdict">${esc(e.message)}</div>`;
  }
}

// --- start ---

api('GET', '/').then(r => {
  document.getElementById('cluster').textContent = `Connect ${r.version} · Kafka cluster ${r.kafka_cluster_id}`;
}).catch(() => {});
window.addEventListener('hashchange', route);
route();
