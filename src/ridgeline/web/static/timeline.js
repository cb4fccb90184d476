// The time slider: replay the last hours (2 h by default) of tracks and events over the map's
// view, from GET /api/v1/tracks and /api/v1/events read in window chunks (paged when a chunk is
// full), with play/pause and "Live" to return to the live feed. A MapLibre control at the map's
// bottom right; the drawing is the track layer's (tracks.js).
import { api } from './api.js';
import { h, utc } from './dom.js';

export const HOURS = 2;
const CHUNK_MIN = 15;
const LIMIT = 5000;
const SPEEDS = [10, 60, 1];
const EVENT_S = 120; // an event stays on the replayed map for two minutes

/** Every row of `kind` (tracks|events) reported in [since, until) within `bbox`, chunk by chunk. */
async function readWindow(kind, since, until, bbox, progress) {
  const rows = [];
  const seen = new Set();
  const chunks = Math.ceil((until - since) / (CHUNK_MIN * 60000));
  for (let c = 0; c < chunks; c += 1) {
    let from = since + c * CHUNK_MIN * 60000;
    const to = Math.min(until, from + CHUNK_MIN * 60000);
    for (;;) {
      const q = new URLSearchParams({ since: new Date(from).toISOString(), until: new Date(to).toISOString(),
        bbox, limit: String(LIMIT) });
      const page = await api(`/${kind}?${q}`);
      for (const r of page) {
        const key = `${r.site}/${r.seq}`;
        if (!seen.has(key)) {
          seen.add(key);
          rows.push(r);
        }
      }
      if (page.length < LIMIT) break;
      const last = Date.parse(page[page.length - 1].time);
      if (!(last > from)) break; // a whole page at one instant: no further to go
      from = last; // next page from the last time read (the rows at that instant come again, once)
    }
    progress(`${kind} ${c + 1}/${chunks}`);
  }
  return rows;
}

/** Tracks by id from stored track messages: every point of every message, in time order, once. */
export function historyOf(rows) {
  const tracks = new Map();
  for (const r of rows) {
    const d = r.data ?? {};
    let track = tracks.get(d.id);
    if (!track) {
      track = { cls: d.object_class ?? 'motion', points: [] };
      tracks.set(d.id, track);
    }
    for (const p of d.points ?? []) {
      const pos = p.position;
      if (pos?.lon == null || pos?.lat == null) continue;
      const heading = [pos.heading, p.heading, p.course, p.cog].find((v) => typeof v === 'number') ?? null;
      track.points.push({ t: Date.parse(p.time), lon: pos.lon, lat: pos.lat, heading });
    }
  }
  for (const track of tracks.values()) {
    track.points.sort((a, b) => a.t - b.t);
    track.points = track.points.filter((p, i, all) => i === 0 || p.t !== all[i - 1].t);
  }
  return tracks;
}

function eventFeatures(events, t) {
  const out = [];
  for (const e of events) {
    const age = (t - e.t) / 1000;
    if (age < 0 || age > EVENT_S) continue;
    out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [e.lon, e.lat] },
      properties: { id: e.id, kind: 'event', type: e.type, opacity: 1 - (0.7 * age) / EVENT_S } });
  }
  return out;
}

export class Timeline {
  /** `map`: MapLibre map (for the view's bbox), `tracks`: the TrackLayer. */
  constructor(map, tracks, hours = HOURS) {
    this.map = map;
    this.tracks = tracks;
    this.hours = hours;
    this.history = null; // {tracks, events, since, until}
    this.t = null; // replayed time (ms), null: live
    this.playing = null;
    this.loading = null;
    this.speed = SPEEDS[0];
    this.slider = h('input', { type: 'range', min: 0, max: hours * 3600, step: 1, value: hours * 3600,
      'aria-label': 'Replay time', class: 'timeline-range', oninput: () => this.seek(Number(this.slider.value)) });
    this.playButton = h('button', { type: 'button', class: 'timeline-play', title: 'Play / pause the replay',
      onclick: () => this.toggle() }, '▶');
    this.speedButton = h('button', { type: 'button', class: 'timeline-speed', title: 'Replay speed',
      onclick: () => this.nextSpeed() }, `×${this.speed}`);
    this.liveButton = h('button', { type: 'button', class: 'timeline-live', title: 'Back to the live feed',
      onclick: () => this.goLive() }, 'Live');
    this.label = h('span', { class: 'timeline-time' }, 'live');
    this.el = h('div', { class: 'maplibregl-ctrl timeline', dataset: { mode: 'live' } },
      this.playButton, this.speedButton, this.slider, this.label, this.liveButton);
  }

  // MapLibre's control interface
  onAdd() {
    return this.el;
  }

  onRemove() {
    this.el.remove();
  }

  /** Read the last hours over the map's view (again when the view or the hour moved on). */
  async load() {
    const until = Date.now();
    const since = until - this.hours * 3600000;
    const b = this.map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180),
      clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(5)).join(',');
    this.label.textContent = 'loading…';
    const say = (text) => { this.label.textContent = `loading ${text}`; };
    const [trackRows, eventRows] = await Promise.all([readWindow('tracks', since, until, bbox, say),
      readWindow('events', since, until, bbox, say)]);
    const events = eventRows.filter((r) => r.data?.position?.lon != null && r.data?.position?.lat != null)
      .map((r) => ({ id: r.data.id, type: r.data.type, t: Date.parse(r.data.time ?? r.time),
        lon: r.data.position.lon, lat: r.data.position.lat }));
    this.history = { tracks: historyOf(trackRows), events, since, until };
    this.el.dataset.tracks = String(this.history.tracks.size);
    this.el.dataset.events = String(events.length);
    return this.history;
  }

  /** Show the map at `offset` seconds after the window's start. */
  async seek(offset) {
    if (!this.history || this.el.dataset.mode === 'live') {
      this.el.dataset.mode = 'loading';
      this.loading ??= this.load().finally(() => { this.loading = null; });
      await this.loading;
    }
    this.el.dataset.mode = 'replay';
    this.t = this.history.since + offset * 1000;
    this.slider.value = String(offset);
    this.label.textContent = utc(new Date(this.t).toISOString());
    this.tracks.replay(this.history.tracks, this.t, eventFeatures(this.history.events, this.t));
  }

  /** Replay `ms` as an absolute time (ms since the epoch) within the window. */
  seekTime(ms) {
    const start = this.history?.since ?? Date.now() - this.hours * 3600000;
    return this.seek(Math.round((ms - start) / 1000));
  }

  toggle() {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = null;
      this.playButton.textContent = '▶';
      return;
    }
    this.playButton.textContent = '❚❚';
    const begin = this.t === null ? Promise.resolve(this.seek(0)) : Promise.resolve();
    begin.then(() => {
      this.playing = setInterval(() => {
        const next = Number(this.slider.value) + this.speed / 4;
        if (next >= this.hours * 3600) this.goLive();
        else this.seek(next);
      }, 250);
    });
  }

  nextSpeed() {
    this.speed = SPEEDS[(SPEEDS.indexOf(this.speed) + 1) % SPEEDS.length];
    this.speedButton.textContent = `×${this.speed}`;
  }

  goLive() {
    if (this.playing) this.toggle();
    this.t = null;
    this.history = null;
    this.el.dataset.mode = 'live';
    this.slider.value = String(this.hours * 3600);
    this.label.textContent = 'live';
    this.tracks.replay(null);
  }
}
