// Live tracks: each object's latest position, its class by shape and colour (a vessel pointed
// along its heading, or its course made good from its last two positions), and a short trail.
// A track only radars saw (a radar plot: no camera or AIS behind it) is drawn as a radar plot,
// a crosshair, whatever class the radar guessed.
// The trails (and the slider's events) are ONE GeoJSON source, set through the map's MapUpdates
// (updates.js: at most once a second, with the other live sources): a thousand tracks each
// updating once a second cost one setData a second, never one per change. The marks are a custom
// layer (marks.js) set in the same flush: drawn by the GPU in one call, never tiled.
// A track unheard for STALE_S fades, and is dropped after its class's expiry.
// The same drawing serves the time slider (timeline.js): `replay(history, t)` shows the
// tracks as they stood at time t, while the live feed keeps being recorded underneath.

import { TrackMarks } from './marks.js';

export const CLASS_COLOUR = {
  person: '#ff5cf0', vehicle: '#a98bff', vessel: '#7fffd4', animal: '#c8a26b', motion: '#e6e6e6', radar: '#ffe066',
};
export const CLASSES = Object.keys(CLASS_COLOUR);
export const TRAIL_S = 120; // a trail: the last two minutes...
export const TRAIL_POINTS = 10; // ...or the last 10 positions, whichever is shorter
export const STALE_S = 30;
const EXPIRE_S = { vessel: 900, default: 180 };
const EMPTY = { type: 'FeatureCollection', features: [] };
export const MARKS_LAYER = 'tracks';

/** The class's mark in a box of `size` px: person ●, vehicle ■, vessel a hull pointing up (north
 * before rotation), animal ▲, bare motion ○, a radar plot ⌖ (a ring and its cross). */
export function drawClass(ctx, cls, size) {
  const s = size;
  const colour = CLASS_COLOUR[cls] ?? CLASS_COLOUR.motion;
  if (cls === 'radar') {
    ctx.strokeStyle = colour;
    ctx.lineWidth = Math.max(2, s / 9);
    ctx.beginPath();
    ctx.arc(s / 2, s / 2, s * 0.28, 0, 2 * Math.PI);
    for (const [x0, y0, x1, y1] of [[0.5, 0.05, 0.5, 0.95], [0.05, 0.5, 0.95, 0.5]]) {
      ctx.moveTo(s * x0, s * y0);
      ctx.lineTo(s * x1, s * y1);
    }
    ctx.stroke();
    return;
  }
  ctx.beginPath();
  if (cls === 'person') ctx.arc(s / 2, s / 2, s * 0.3, 0, 2 * Math.PI);
  else if (cls === 'vehicle') ctx.rect(s * 0.22, s * 0.22, s * 0.56, s * 0.56);
  else if (cls === 'vessel') {
    ctx.moveTo(s * 0.5, s * 0.04);
    ctx.lineTo(s * 0.8, s * 0.45);
    ctx.lineTo(s * 0.72, s * 0.95);
    ctx.lineTo(s * 0.28, s * 0.95);
    ctx.lineTo(s * 0.2, s * 0.45);
  } else if (cls === 'animal') {
    ctx.moveTo(s * 0.5, s * 0.18);
    ctx.lineTo(s * 0.84, s * 0.8);
    ctx.lineTo(s * 0.16, s * 0.8);
  } else ctx.arc(s / 2, s / 2, s * 0.3, 0, 2 * Math.PI);
  ctx.closePath();
  ctx.lineWidth = Math.max(1.5, s / 12);
  if (cls === 'motion' || !CLASS_COLOUR[cls]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = Math.max(2, s / 8);
  } else {
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.strokeStyle = '#111';
  }
  ctx.stroke();
}

/** The initial bearing from one point to the next, degrees clockwise from north. */
export function bearing(lon1, lat1, lon2, lat2) {
  const r = Math.PI / 180;
  const y = Math.sin((lon2 - lon1) * r) * Math.cos(lat2 * r);
  const x = Math.cos(lat1 * r) * Math.sin(lat2 * r) - Math.sin(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lon2 - lon1) * r);
  return ((Math.atan2(y, x) / r) + 360) % 360;
}

/** A heading the data states (a track change's or point's `heading`, `course` or `cog`), or null. */
function statedHeading(...sources) {
  for (const s of sources) {
    for (const key of ['heading', 'course', 'cog']) {
      const v = s?.[key];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 360) return v;
    }
  }
  return null;
}

/** The heading to draw: the stated one, else the course between the last two positions (when they differ). */
function headingOf(track, upto) {
  const pts = track.points;
  const last = pts[upto];
  if (last.heading != null) return last.heading;
  for (let i = upto - 1; i >= 0; i -= 1) {
    const p = pts[i];
    if (p.lon !== last.lon || p.lat !== last.lat) return bearing(p.lon, p.lat, last.lon, last.lat);
  }
  return 0;
}

/** Index of the last point at or before `t` (points oldest first), or -1. */
function lastAtOrBefore(points, t) {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * `tracks` (id -> {cls, points: [{t (ms), lon, lat, heading}] oldest first}) as they stood at
 * `now` (ms): `marks`, one per track heard within its expiry ({id, cls, heading, opacity, lon,
 * lat}: opacity by its age), and `trails`, a GeoJSON line of each one's positions in the TRAIL_S
 * before its latest.
 */
export function trackFeatures(tracks, now) {
  const points = [];
  const trails = [];
  for (const [id, track] of tracks) {
    const at = lastAtOrBefore(track.points, now);
    if (at < 0) continue;
    const last = track.points[at];
    const age = (now - last.t) / 1000;
    if (age > (EXPIRE_S[track.cls] ?? EXPIRE_S.default)) continue;
    const opacity = age <= STALE_S ? 1 : Math.max(0.25, 1 - (age - STALE_S) / 120);
    const heading = track.cls === 'vessel' ? headingOf(track, at) : 0;
    points.push({ id, cls: track.cls, heading, opacity, lon: last.lon, lat: last.lat });
    const line = [];
    for (let i = at; i >= 0 && at - i < TRAIL_POINTS && last.t - track.points[i].t <= TRAIL_S * 1000; i -= 1) {
      line.push([track.points[i].lon, track.points[i].lat]);
    }
    if (line.length > 1) {
      trails.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line.reverse() },
        properties: { id, cls: track.cls, opacity: opacity * 0.7, kind: 'trail' } });
    }
  }
  return { marks: points, trails };
}

export class TrackLayer {
  /** `map`: a MapLibre map; `ready`: a promise resolved once its style has loaded; `updates`:
   * the map's MapUpdates, which sets the source's data. */
  constructor(map, ready, updates) {
    this.map = map;
    this.updates = updates;
    this.radars = new Set(); // "site/sensor" of every radar of the sector (setSector)
    this.live = new Map(); // id -> {cls, points}
    this.replaying = null; // {tracks, t, extra} while the time slider shows the past
    this.flushes = 0; // the source's data made, for the bench
    this.marks = new TrackMarks({ id: MARKS_LAYER, classes: CLASSES, drawIcon: drawClass });
    this.ready = ready.then(() => this.addLayers());
    // a live map ages even when nothing is heard: redraw each second while tracks are shown
    this.ticker = setInterval(() => { if (this.live.size && !this.replaying) this.schedule(); }, 1000);
  }

  addLayers() {
    const m = this.map;
    m.addSource('tracks', { type: 'geojson', data: EMPTY });
    const colour = ['match', ['get', 'cls'], ...CLASSES.flatMap((c) => [c, CLASS_COLOUR[c]]), CLASS_COLOUR.motion];
    m.addLayer({ id: 'track-trails', type: 'line', source: 'tracks', filter: ['==', ['get', 'kind'], 'trail'],
      paint: { 'line-color': colour, 'line-width': 2, 'line-opacity': ['get', 'opacity'] },
      layout: { 'line-join': 'round', 'line-cap': 'round' } });
    m.addLayer({ id: 'track-events', type: 'circle', source: 'tracks', filter: ['==', ['get', 'kind'], 'event'],
      paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2, 'circle-stroke-opacity': ['get', 'opacity'] } });
    m.addLayer(this.marks, this.map.getLayer('alerts') ? 'alerts' : undefined);
  }

  /** Which sensors are radars (GET /sector): their tracks are radar plots. */
  setSector(sector) {
    this.radars = new Set(sector.sites.flatMap((s) => s.sensors.filter((x) => x.kind === 'radar')
      .map((x) => `${s.id}/${x.id}`)));
  }

  /** The class to draw a track as: 'radar' when only radars saw it, else its own. */
  drawnClass(change, cls) {
    const sources = change.data?.sources ?? [];
    const radarOnly = sources.length > 0 && sources.every((x) => this.radars.has(`${change.site}/${x}`));
    return radarOnly ? 'radar' : cls;
  }

  /** A `track` change of the live feed (data: object_class, time, position, sources). */
  upsert(change) {
    const d = change.data ?? {};
    const pos = d.position;
    if (pos?.lon == null || pos?.lat == null) return; // only pixels known: nowhere on the map
    let track = this.live.get(change.id);
    if (!track) {
      track = { cls: this.drawnClass(change, d.object_class ?? 'motion'), points: [], time: null };
      this.live.set(change.id, track);
    }
    if (d.time && d.time === track.time) return; // the same position again (a redelivery)
    track.time = d.time;
    track.cls = this.drawnClass(change, d.object_class ?? track.cls);
    // live: time as heard here (a sensor's clock may be off; the trail and the fading need ours)
    track.points.push({ t: Date.now(), lon: pos.lon, lat: pos.lat, heading: statedHeading(d, pos) });
    if (track.points.length > TRAIL_POINTS * 2) track.points.splice(0, track.points.length - TRAIL_POINTS);
    if (!this.replaying) this.schedule();
  }

  /** Draw the tracks as they stood at `t` (ms) from `history` (as trackFeatures takes), plus
   * `extra` features (events); `null` history: back to live. */
  replay(history, t, extra = []) {
    this.replaying = history ? { history, t, extra } : null;
    this.schedule(true);
  }

  schedule(now = false) {
    this.updates.set('tracks', () => this.features(), { now });
  }

  /** The source's data as the tracks stand now (live) or stood at the slider's time; the marks
   * are set at the same time. */
  features() {
    this.flushes += 1;
    const r = this.replaying;
    if (!r) this.expire();
    const { marks, trails } = r ? trackFeatures(r.history, r.t) : trackFeatures(this.live, Date.now());
    this.marks.set(marks);
    return { type: 'FeatureCollection', features: r ? [...trails, ...r.extra] : trails };
  }

  /** Forget live tracks past their expiry. */
  expire() {
    const now = Date.now();
    for (const [id, track] of this.live) {
      const last = track.points[track.points.length - 1];
      if (!last || (now - last.t) / 1000 > (EXPIRE_S[track.cls] ?? EXPIRE_S.default)) this.live.delete(id);
    }
  }

  /** How many tracks are drawn live now. */
  get size() {
    return this.live.size;
  }
}
