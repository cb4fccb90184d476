// The map (MapLibre GL JS, 2D for now): the watched line, zones, sites coloured by live status,
// alerts by severity (shape and colour). Every source is local: a background colour and GeoJSON
// built here; no glyphs, sprites, fonts or tiles from anywhere else, and no text layer.
import { Map as MapLibre, NavigationControl, ScaleControl } from './vendor/maplibre-gl/maplibre-gl.mjs';
import { drawMark, SEVERITIES } from './severity.js';
import { MapUpdates } from './updates.js';

export const SITE_COLOUR = { online: '#3ddc84', offline: '#ff4d4d', unknown: '#8a949c' };
export const INCIDENT_COLOUR = '#ffd166';
// units (friendly): by base status, a white-ringed square-ish dot, never a severity colour
export const UNIT_COLOUR = { available: '#2f7bff', dispatched: '#ffb020', en_route: '#ffb020', on_scene: '#19c37d',
  returning: '#7aa7ff', out_of_service: '#6b7780' };
const EMPTY = { type: 'FeatureCollection', features: [] };
// TileJSON of the sector's terrain (Terrarium encoding), served by the centre once built
export const TERRAIN_TILEJSON = '/api/v1/tiles/terrain.json';

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#1b252e' } }],
};

function point(lon, lat, properties) {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
}

function severityIcon(severity, ratio) {
  const size = 22 * ratio;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  drawMark(ctx, severity, 2 * ratio, 2 * ratio, size - 4 * ratio);
  return ctx.getImageData(0, 0, size, size);
}

export class SectorMap {
  constructor(container, { onPick, onHover }) {
    this.map = new MapLibre({
      container, style: STYLE, center: [0, 0], zoom: 1, attributionControl: false,
      // no cross-fade of symbols: every alert's mark is placed regardless of collisions
      // (allow-overlap, ignore-placement), so a fade only adds frames after each update
      fadeDuration: 0,
    });
    this.map.addControl(new NavigationControl({ visualizePitch: true }), 'top-left');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.sites = new Map(); // id -> {lon, lat, status}
    this.alerts = new Map(); // id -> alert with a position
    this.selected = null;
    this.ready = new Promise((resolve) => this.map.on('load', resolve)).then(() => this.addLayers());
    this.updates = new MapUpdates(this.map, this.ready);
    this.map.on('mousemove', (e) => {
      const site = this.map.queryRenderedFeatures(e.point, { layers: ['sites'] })[0];
      onHover(e.lngLat, site?.properties);
    });
    this.map.on('click', 'alerts', (e) => onPick(e.features[0].properties.id));
    this.map.on('mouseenter', 'alerts', () => { this.map.getCanvas().style.cursor = 'pointer'; });
    this.map.on('mouseleave', 'alerts', () => { this.map.getCanvas().style.cursor = ''; });
  }

  addLayers() {
    const m = this.map;
    const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
    for (const s of SEVERITIES) m.addImage(`sev-${s}`, severityIcon(s, ratio), { pixelRatio: ratio });
    for (const id of ['zones', 'line', 'sites', 'alerts', 'selected', 'alert-track', 'incidents', 'units']) {
      m.addSource(id, { type: 'geojson', data: EMPTY });
    }
    m.addLayer({ id: 'zones-fill', type: 'fill', source: 'zones',
      paint: { 'fill-color': ['match', ['get', 'kind'], 'restricted', '#ff4d4d', '#4aa3ff'], 'fill-opacity': 0.12 } });
    m.addLayer({ id: 'zones-outline', type: 'line', source: 'zones',
      paint: { 'line-color': ['match', ['get', 'kind'], 'restricted', '#ff4d4d', '#4aa3ff'], 'line-width': 1 } });
    m.addLayer({ id: 'line-casing', type: 'line', source: 'line', paint: { 'line-color': '#000', 'line-width': 6 },
      layout: { 'line-join': 'round', 'line-cap': 'round' } });
    m.addLayer({ id: 'line', type: 'line', source: 'line', paint: { 'line-color': '#38d9f5', 'line-width': 3 },
      layout: { 'line-join': 'round', 'line-cap': 'round' } });
    m.addLayer({ id: 'sites', type: 'circle', source: 'sites', paint: {
      'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2,
      'circle-color': ['match', ['get', 'status'], 'online', SITE_COLOUR.online, 'offline', SITE_COLOUR.offline,
        SITE_COLOUR.unknown],
    } });
    // the selected alert's object: where it came from (GET /alerts/ID/track), dashed white
    m.addLayer({ id: 'alert-track', type: 'line', source: 'alert-track', filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [2, 1.5] },
      layout: { 'line-join': 'round', 'line-cap': 'round' } });
    m.addLayer({ id: 'alert-track-start', type: 'circle', source: 'alert-track', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': '#000', 'circle-stroke-width': 1 } });
    // open incidents: a square ring (a rotated-square icon would need a sprite) around each of its alerts
    m.addLayer({ id: 'incidents', type: 'circle', source: 'incidents', paint: {
      'circle-radius': 13, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': INCIDENT_COLOUR,
      'circle-stroke-width': 3, 'circle-pitch-alignment': 'map',
    } });
    m.addLayer({ id: 'units', type: 'circle', source: 'units', paint: {
      'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3,
      'circle-color': ['match', ['get', 'base'], ...Object.entries(UNIT_COLOUR).flat(), UNIT_COLOUR.out_of_service],
    } });
    m.addLayer({ id: 'selected', type: 'circle', source: 'selected', paint: {
      'circle-radius': 17, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2,
    } });
    m.addLayer({ id: 'alerts', type: 'symbol', source: 'alerts', layout: {
      'icon-image': ['concat', 'sev-', ['get', 'severity']], 'icon-allow-overlap': true,
      'icon-ignore-placement': true, 'symbol-sort-key': ['get', 'rank'],
    } });
    this.terrain = addTerrainIfServed(m); // resolves true once the hillshade's source is added
    this.basemap = addBasemapIfServed(m); // the operators' own offline base map, under everything
  }

  /** The sector's static layers (GET /sector), and the view fitted to them. */
  async setSector(sector) {
    await this.ready;
    this.map.getSource('line').setData({ type: 'Feature', geometry: sector.line, properties: {} });
    this.map.getSource('zones').setData(sector.zones);
    for (const s of sector.sites) this.sites.set(s.id, { lon: s.lon, lat: s.lat, status: 'unknown' });
    this.drawSites();
    const coords = [...sector.line.coordinates, ...sector.sites.map((s) => [s.lon, s.lat])];
    const lons = coords.map((c) => c[0]);
    const lats = coords.map((c) => c[1]);
    this.map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
      { padding: 40, duration: 0 });
  }

  /** A site's live status (GET /sites row, or a `site` change's data). */
  setSiteStatus(id, status) {
    const known = this.sites.get(id);
    if (!known) return; // heard from, but not in the sector file: nowhere to draw it
    known.status = status.online ? 'online' : 'offline';
    this.drawSites();
  }

  drawSites() {
    const features = [...this.sites.entries()].map(([id, s]) => point(s.lon, s.lat, { id, status: s.status }));
    this.updates.set('sites', { type: 'FeatureCollection', features });
  }

  /** Alerts to mark: those with a map position and not resolved. */
  setAlerts(alerts) {
    this.alerts.clear();
    for (const a of alerts) this.keep(a);
    this.drawAlerts();
  }

  upsertAlert(alert) {
    this.alerts.delete(alert.id);
    this.keep(alert);
    this.drawAlerts();
  }

  keep(a) {
    if (a.position?.lon != null && a.position?.lat != null && !a.state.startsWith('resolved')) {
      this.alerts.set(a.id, a);
    }
  }

  drawAlerts() {
    const features = [...this.alerts.values()].map((a) => point(a.position.lon, a.position.lat, {
      id: a.id, severity: a.severity, rank: SEVERITIES.indexOf(a.severity),
    }));
    this.updates.set('alerts', { type: 'FeatureCollection', features });
    this.drawSelected(false);
  }

  /** Ring the selected alert, and bring it into view. */
  select(id) {
    this.selected = id;
    const a = this.alerts.get(id);
    this.ready.then(() => {
      this.drawSelected();
      if (a && !this.map.getBounds().contains([a.position.lon, a.position.lat])) {
        this.map.easeTo({ center: [a.position.lon, a.position.lat], duration: 300 });
      }
    });
  }

  /** The units (GET /units rows or `unit` changes' data) at their last known positions. */
  setUnits(units) {
    this.units = new Map(units.map((u) => [u.id, u]));
    this.drawUnits();
  }

  upsertUnit(unit) {
    (this.units ??= new Map()).set(unit.id, unit);
    this.drawUnits();
  }

  drawUnits() {
    const features = [...this.units.values()].filter((u) => u.position?.lon != null && u.position?.lat != null)
      .map((u) => point(u.position.lon, u.position.lat, { id: u.id, base: u.base, kind: u.kind }));
    this.updates.set('units', { type: 'FeatureCollection', features });
  }

  /** Open incidents, ringed at each of their alerts' positions (`alerts`: id -> alert, those known). */
  setIncidents(incidents, alerts) {
    const features = [];
    for (const i of incidents) {
      if (i.state !== 'open') continue;
      for (const id of i.alerts) {
        const a = alerts.get(id);
        if (a?.position?.lon != null && a.position.lat != null) {
          features.push(point(a.position.lon, a.position.lat, { id: i.id, alert: id }));
        }
      }
    }
    this.updates.set('incidents', { type: 'FeatureCollection', features });
  }

  /** The selected alert's objects' paths (GET /alerts/ID/track): each line, and where it began. */
  showPaths(paths) {
    const features = [];
    for (const p of paths) {
      features.push({ type: 'Feature', geometry: p.line, properties: { id: p.object_id } });
      const first = p.line.type === 'LineString' ? p.line.coordinates[0] : p.line.coordinates;
      features.push(point(first[0], first[1], { id: p.object_id, start: true }));
    }
    this.updates.set('alert-track', { type: 'FeatureCollection', features }, { now: true });
  }

  /** Ring the selected alert: at once when the operator picked it, else with the next flush. */
  drawSelected(now = true) {
    const a = this.alerts.get(this.selected);
    const features = a ? [point(a.position.lon, a.position.lat, {})] : [];
    this.updates.set('selected', { type: 'FeatureCollection', features }, { now });
  }
}

/**
 * The sector's terrain, once the centre serves it as TileJSON at TERRAIN_TILEJSON (terrain-RGB
 * tiles in the *Terrarium* encoding: height = R*256 + G + B/256 - 32768 m; a wrong encoding
 * silently gives wrong heights, so the source says it, and its 256 px tile size, itself): a
 * raster-dem source 'terrain' and a hillshade under everything else. While the centre builds the
 * tiles (503) it asks again after Retry-After; with none served (404) it does nothing. The 3D
 * terrain, the sky and "view from the mast" are terrain3d.js and mast.js.
 */
export async function addTerrainIfServed(map) {
  for (;;) {
    let answer;
    try {
      answer = await fetch(TERRAIN_TILEJSON, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    } catch {
      return false;
    }
    if (answer.status === 503) {
      const wait = Number(answer.headers.get('Retry-After')) || 10;
      await new Promise((resolve) => { setTimeout(resolve, wait * 1000); });
      continue;
    }
    if (answer.status !== 200) return false;
    break;
  }
  map.addSource('terrain', { type: 'raster-dem', url: TERRAIN_TILEJSON, encoding: 'terrarium', tileSize: 256 });
  map.addLayer({ id: 'hillshade', type: 'hillshade', source: 'terrain',
    paint: { 'hillshade-shadow-color': '#0b1116', 'hillshade-highlight-color': '#5c6b78' } }, 'zones-fill');
  return true;
}

// The operators' own offline base map (a PMTiles file the sector names, served by the centre):
// a raster one is drawn right above the background, under everything else; a vector one would
// need a style of its own, and is left out (said on the console).
export const BASEMAP_TILEJSON = '/api/v1/tiles/basemap.json';
const RASTER = new Set(['png', 'jpg', 'jpeg', 'webp']);

export async function addBasemapIfServed(map) {
  let doc;
  try {
    const answer = await fetch(BASEMAP_TILEJSON, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (answer.status !== 200) return false;
    doc = await answer.json();
  } catch {
    return false;
  }
  if (!RASTER.has(String(doc.format).toLowerCase())) {
    console.info(`base map: ${doc.format} tiles need a style of their own; not drawn`);
    return false;
  }
  map.addSource('basemap', { type: 'raster', url: BASEMAP_TILEJSON, tileSize: 256 });
  const above = map.getStyle().layers.find((l) => l.id !== 'background');
  map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap' }, above ? above.id : undefined);
  return true;
}
