// Coverage on the map (GET /api/v1/coverage, computed once by the centre): the watched line
// split into the runs some sensor sees and those none does, each sensor's footprint by day and
// by night, and the day's coverage count (polygons: 1, 2, 3 or more sensors). Each group can be
// shown or hidden; in 3D the fills drape over the terrain.
import { api, ApiError } from './api.js';

export const COVERAGE_COLOUR = {
  seen: '#00f0b0', blind: '#ff2bd6', day: '#ffd54a', night: '#9b7dff', count: ['#1f5f8b', '#2f8fbf', '#5fc8f0'],
};

/** The map's coverage layers, each group by name: which layer ids it shows. */
export const GROUPS = {
  line: { label: 'Line seen / blind', layers: ['coverage-line'], on: true },
  day: { label: 'Footprints by day', layers: ['footprint-day', 'footprint-day-outline'], on: true },
  night: { label: 'Footprints by night', layers: ['footprint-night', 'footprint-night-outline'], on: false },
  count: { label: 'Coverage count', layers: ['coverage-count'], on: false },
};

const is = (layer, period) => ['all', ['==', ['get', 'layer'], layer], ['==', ['get', 'period'], period]];

/** The coverage layers, fetched (waiting while the centre computes them) and drawn; resolves to them. */
export async function addCoverage(map) {
  let layers;
  for (;;) {
    try {
      layers = await api('/coverage');
      break;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 503)) throw e;
      await new Promise((resolve) => { setTimeout(resolve, 3000); });
    }
  }
  map.addSource('coverage', { type: 'geojson', data: layers });
  const below = map.getLayer('sites') ? 'sites' : undefined;
  const visible = (group) => ({ visibility: GROUPS[group].on ? 'visible' : 'none' });
  const [c1, c2, c3] = COVERAGE_COLOUR.count;
  map.addLayer({ id: 'coverage-count', type: 'fill', source: 'coverage', filter: is('coverage', 'day'),
    layout: visible('count'),
    paint: { 'fill-color': ['match', ['get', 'count'], 1, c1, 2, c2, c3], 'fill-opacity': 0.45 } }, below);
  for (const period of ['night', 'day']) {
    map.addLayer({ id: `footprint-${period}`, type: 'fill', source: 'coverage', filter: is('footprint', period),
      layout: visible(period), paint: { 'fill-color': COVERAGE_COLOUR[period], 'fill-opacity': 0.22 } }, below);
    map.addLayer({ id: `footprint-${period}-outline`, type: 'line', source: 'coverage',
      filter: is('footprint', period), layout: visible(period),
      paint: { 'line-color': COVERAGE_COLOUR[period], 'line-width': 1, 'line-opacity': 0.8 } }, below);
  }
  // a band either side of the watched line (drawn under its casing, so the line stays as map.js draws it)
  const line = { 'line-join': 'round', 'line-cap': 'butt', ...visible('line') };
  map.addLayer({ id: 'coverage-line', type: 'line', source: 'coverage', filter: is('line', 'day'), layout: line,
    paint: { 'line-color': ['case', ['get', 'seen'], COVERAGE_COLOUR.seen, COVERAGE_COLOUR.blind], 'line-width': 14 } },
  map.getLayer('line-casing') ? 'line-casing' : below);
  return layers;
}

/** Show or hide a group of coverage layers. */
export function showGroup(map, group, on) {
  GROUPS[group].on = on;
  for (const id of GROUPS[group].layers) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }
}
