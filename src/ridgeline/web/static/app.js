// The console: log in, then the map, the alert queue (live), the alert's detail and actions,
// and incidents. Talks only to this origin's API (api.js).
import { api, ApiError, connectLive, may } from './api.js';
import { coordsText } from './coords.js';
import { canEscalate, showDetail } from './detail.js';
import { Incidents } from './incidents.js';
import { SectorMap } from './map.js';
import { setupMap3d } from './map3d.js';
import { Queue } from './queue.js';
import { Sites } from './sites.js';
import { Timeline } from './timeline.js';
import { Units } from './units.js';
import { TrackLayer } from './tracks.js';

const $ = (id) => document.getElementById(id);
const state = { session: null, map: null, queue: null, incidents: null, closeLive: null, detailFor: null };

function say(text, error = false) {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', error);
}

function showLogin() {
  $('console').hidden = true;
  $('login').hidden = false;
  $('username').focus();
}

async function logIn(event) {
  event.preventDefault();
  const button = $('login-button');
  button.disabled = true;
  $('login-error').textContent = '';
  try {
    await api('/session', { method: 'POST', body: { username: $('username').value, password: $('password').value } });
    $('password').value = '';
    await start(await api('/session'));
  } catch (e) {
    $('login-error').textContent = e instanceof ApiError ? e.message : `cannot reach the centre (${e.message})`;
  } finally {
    button.disabled = false;
  }
}

async function logOut() {
  state.closeLive?.();
  try {
    await api('/session', { method: 'DELETE' });
  } finally {
    location.reload();
  }
}

async function start(session) {
  state.session = session;
  $('login').hidden = true;
  $('console').hidden = false;
  document.body.dataset.role = session.role;
  $('who').textContent = `${session.operator} (${session.role})`;
  state.queue = new Queue($('queue'), $('queue-count'), (id) => select(id), $('queue-filters'), session.operator);
  state.incidents = new Incidents($('incidents'), say);
  state.incidents.role = session.role;
  state.sites = new Sites($('sites'), { onView: viewFromMast, onFocus: (s) => focusOn(s.lon, s.lat) });
  state.units = new Units($('units'), { onDispatch: dispatchUnit, onFocus: (u) => {
    if (u.position?.lon != null) focusOn(u.position.lon, u.position.lat);
  } });
  state.units.role = session.role;
  state.map = new SectorMap($('map'), {
    onPick: (id) => state.queue.select(id),
    onHover: (ll, site) => {
      $('coords').textContent = `${coordsText(ll.lat, ll.lng)}${site ? ` · site ${site.id} ${site.status}` : ''}`;
    },
  });
  state.tracks = new TrackLayer(state.map.map, state.map.ready, state.map.updates);
  state.timeline = new Timeline(state.map.map, state.tracks);
  state.map.map.addControl(state.timeline, 'bottom-right');
  window.ridgeline = { map: state.map.map, tracks: state.tracks, timeline: state.timeline, updates: state.map.updates }; // for tests, the bench
  api('/sector').then((sector) => {
    $('sector-name').textContent = sector.name;
    state.queue.setSites(sector.sites.map((s) => s.id));
    state.sites.setSector(sector);
    state.tracks.setSector(sector);
    setupMap3d(state.map, sector).catch((e) => say(`map: ${e.message}`, true));
    return state.map.setSector(sector);
  }).then(loadSites).catch((e) => say(`sector: ${e.message}`, true));
  state.closeLive = connectLive({
    onBatch: apply,
    onState: (text) => { $('live-state').textContent = text; $('live-state').dataset.state = text; },
    onReconnect: () => loadState(),
  });
  await loadState();
}

async function loadSites() {
  for (const s of await api('/sites')) siteStatus(s.site, s);
}

function siteStatus(id, row) {
  state.map.setSiteStatus(id, row);
  state.sites.setStatus(id, row);
}

/** "View from the mast" of a site's sensor, through the map's own picker (map3d.js). */
function viewFromMast(siteId, sensorId) {
  const picker = $('mast-select');
  if (!picker || picker.disabled) {
    say('view from the mast: the terrain is not loaded yet', true);
    return;
  }
  picker.value = `${siteId}/${sensorId}`;
  picker.dispatchEvent(new Event('change'));
}

function focusOn(lon, lat) {
  const map = state.map.map;
  map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 12), duration: 500 });
}

/** Every unit's ETA to the selected alert, into the units panel (a centre without terrain: none). */
async function loadEtas(id) {
  if (!state.units.units.size) return;
  try {
    const etas = await api(`/alerts/${encodeURIComponent(id)}/etas`);
    if (state.detailFor === id) state.units.setEtas(etas);
  } catch (e) {
    state.units.setEtas({ alert_id: id, etas: [], recommended: null, reason: e.message });
  }
}

async function dispatchUnit(unitId, alertId) {
  try {
    const unit = await api(`/units/${encodeURIComponent(unitId)}/dispatch`, { method: 'POST', body: { alert: alertId } });
    state.units.upsert(unit);
    state.map.upsertUnit(unit);
    say(`${unit.name || unit.id} dispatched`);
    if (state.detailFor === alertId) await select(alertId);
  } catch (e) {
    say(`dispatch: ${e.message}`, true);
  }
}

/** The bottom panel's tabs: incidents, units, sites. */
function showTab(tab) {
  for (const button of document.querySelectorAll('#incidents-panel [role=tab]')) {
    const on = button === tab;
    button.setAttribute('aria-selected', String(on));
    $(button.getAttribute('aria-controls')).hidden = !on;
  }
  if (tab.id === 'tab-sites') state.sites.render();
  if (tab.id === 'tab-units') state.units.render();
}

/** Everything from REST: at start, and after the live feed reconnects (nothing is replayed). */
async function loadState() {
  try {
    const [alerts, incidents, units] = await Promise.all([api('/alerts?limit=500'), api('/incidents'),
      api('/units')]);
    state.units.setAll(units);
    state.map.setUnits(units);
    state.queue.setAll(alerts);
    state.map.setAlerts(alerts);
    state.incidents.setAll(incidents);
    drawIncidents();
    loadSites().catch(() => {});
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showLogin();
    else say(`loading: ${e.message}`, true);
  }
}

function drawIncidents() {
  state.map.setIncidents(state.incidents.incidents.values(), state.queue.alerts);
}

/** A committed change batch from the live feed. */
function apply(batch) {
  for (const change of batch.changes) {
    if (change.kind === 'alert') {
      state.queue.upsert(change.data);
      state.map.upsertAlert(change.data);
      if (change.id === state.queue.selected) select(change.id);
    } else if (change.kind === 'site') {
      siteStatus(change.id, change.data);
    } else if (change.kind === 'track') {
      state.tracks.upsert(change);
    } else if (change.kind === 'incident') {
      state.incidents.upsert(change.data);
      drawIncidents();
    } else if (change.kind === 'unit') {
      state.units.upsert(change.data);
      state.map.upsertUnit(change.data);
    }
  }
}

async function select(id) {
  state.detailFor = id;
  state.map.select(id);
  try {
    const detail = await api(`/alerts/${encodeURIComponent(id)}`);
    const events = [...new Set([detail.alert.first_event, detail.alert.last_event])];
    const [evidence, paths] = await Promise.all([
      Promise.all(events.map((e) => api(`/events/${encodeURIComponent(e)}/evidence`))).then((l) => l.flat()),
      api(`/alerts/${encodeURIComponent(id)}/track`)]);
    if (state.detailFor !== id) return; // another was selected meanwhile
    state.map.showPaths(paths);
    loadEtas(id);
    showDetail($('detail'), detail, evidence, state.session.role, (name, payload) => act(id, name, payload), paths);
  } catch (e) {
    say(`alert ${id}: ${e.message}`, true);
  }
}

const ACTIONS = {
  acknowledge: (id) => api(`/alerts/${id}/acknowledge`, { method: 'POST', body: {} }),
  clear: (id) => api(`/alerts/${id}/clear`, { method: 'POST', body: {} }),
  escalate: (id, p) => api(`/alerts/${id}/escalate`, { method: 'POST', body: p }),
  assign: (id, p) => api(`/alerts/${id}/assignee`, { method: 'PUT', body: p }),
  comment: (id, p) => api(`/alerts/${id}/comments`, { method: 'POST', body: p }),
  'open-incident': (id, p) => api('/incidents', { method: 'POST', body: { alerts: [id], title: p.title } }),
  'resolve-true': (id, p) => api(`/alerts/${id}/resolve`, { method: 'POST', body: p }),
  'resolve-false': (id, p) => api(`/alerts/${id}/resolve`, { method: 'POST', body: p }),
};

async function act(id, name, payload) {
  try {
    const done = await ACTIONS[name](encodeURIComponent(id), payload);
    if (done && done.key && done.state) { // an alert came back: show it now, the live feed confirms it
      state.queue.upsert(done);
      state.map.upsertAlert(done);
    } else if (done && done.alerts && done.title) {
      state.incidents.upsert(done);
      drawIncidents();
    }
    say(`${name.replace('-', ' ')}: done`);
    await select(id);
  } catch (e) {
    say(`${name.replace('-', ' ')}: ${e.message}`, true);
  }
}

function keys(event) {
  if (!state.session || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest('input, textarea, select')) return;
  if (event.key === 'j') state.queue.move(1);
  else if (event.key === 'k') state.queue.move(-1);
  else if (event.key === 'a' && state.queue.selected && may(state.session.role, 'operator')) {
    const alert = state.queue.alerts.get(state.queue.selected);
    if (alert && !alert.acknowledged) act(alert.id, 'acknowledge', {});
  } else if (event.key === 'e' && state.queue.selected && may(state.session.role, 'operator')) {
    const alert = state.queue.alerts.get(state.queue.selected);
    if (alert && canEscalate(alert)) act(alert.id, 'escalate', { to: 'supervisor' });
  } else if (event.key === 'f') {
    $('queue-filters').elements.view.focus();
  } else return;
  event.preventDefault();
}

$('login-form').addEventListener('submit', logIn);
$('logout').addEventListener('click', logOut);
for (const tab of document.querySelectorAll('#incidents-panel [role=tab]')) {
  tab.addEventListener('click', () => showTab(tab));
}
document.addEventListener('keydown', keys);
api('/session').then(start).catch((e) => {
  if (!(e instanceof ApiError && e.status === 401)) $('login-error').textContent = e.message;
  showLogin();
});
