// "View from the mast": the 3D camera at a site's mast (its ground height on the DEM plus the
// mast's height), looking along a sensor's azimuth, with that sensor's footprint draped over
// the terrain in a colour of its own. Heights at exaggeration 1, so the camera stands where the
// mast does.
import { enable3d } from './terrain3d.js';

export const MAST_PITCH = 84; // degrees from straight down: 6 degrees below the horizon
export const MAST_COLOUR = '#ff8c1a';
const NONE = ['==', ['get', 'site'], '\u0000none'];

/** Where a sensor looks: its azimuth, else (a PTZ's pan range, a radar all round) the bearing from
 * the mast to the middle of its day footprint, else north. */
export function lookAzimuth(site, sensor, coverage) {
  if (sensor.azimuth_deg != null) return sensor.azimuth_deg;
  let n = 0; let x = 0; let y = 0;
  for (const f of coverage?.features ?? []) {
    const p = f.properties;
    if (p.layer !== 'footprint' || p.period !== 'day' || p.site !== site.id || p.sensor !== sensor.id) continue;
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const poly of polys) {
      for (const [lon, lat] of poly[0]) { x += lon; y += lat; n += 1; }
    }
  }
  if (!n) return 0;
  return bearing([site.lon, site.lat], [x / n, y / n]);
}

/** Initial great-circle bearing from a to b ([lon, lat]), degrees clockwise from north, 0..360. */
export function bearing(a, b) {
  const r = Math.PI / 180;
  const [l1, p1, l2, p2] = [a[0] * r, a[1] * r, b[0] * r, b[1] * r];
  const y = Math.sin(l2 - l1) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(l2 - l1);
  return (Math.atan2(y, x) / r + 360) % 360;
}

/** The site's ground height: the centre's (DEM, from the coverage layers), else the terrain's here. */
export function groundOf(map, site, coverage) {
  const mast = coverage?.features?.find((f) => f.properties.layer === 'mast' && f.properties.site === site.id);
  if (mast?.properties.ground_m != null) return mast.properties.ground_m;
  return map.queryTerrainElevation([site.lon, site.lat]) ?? 0;
}

/** The sensor's day footprint, drawn over the rest (added once, filtered per sensor). */
function drawFootprint(map, site, sensor) {
  if (!map.getSource('coverage')) return;
  if (!map.getLayer('mast-footprint')) {
    map.addLayer({ id: 'mast-footprint', type: 'fill', source: 'coverage', filter: NONE,
      paint: { 'fill-color': MAST_COLOUR, 'fill-opacity': 0.35 } }, map.getLayer('sites') ? 'sites' : undefined);
    map.addLayer({ id: 'mast-footprint-outline', type: 'line', source: 'coverage', filter: NONE,
      paint: { 'line-color': MAST_COLOUR, 'line-width': 2 } }, map.getLayer('sites') ? 'sites' : undefined);
  }
  const filter = ['all', ['==', ['get', 'layer'], 'footprint'], ['==', ['get', 'period'], 'day'],
    ['==', ['get', 'site'], site.id], ['==', ['get', 'sensor'], sensor.id]];
  map.setFilter('mast-footprint', filter);
  map.setFilter('mast-footprint-outline', filter);
}

/** Leave the mast: no sensor's footprint singled out. */
export function clearMast(map) {
  if (map.getLayer('mast-footprint')) {
    map.setFilter('mast-footprint', NONE);
    map.setFilter('mast-footprint-outline', NONE);
  }
}

/** Once the map has loaded what it shows (or after `timeout` ms: a map still busy is read as it is). */
function settled(map, timeout = 8000) {
  const end = Date.now() + timeout;
  return new Promise((resolve) => {
    const check = () => {
      if ((map.loaded() && map.areTilesLoaded()) || Date.now() > end) resolve();
      else setTimeout(check, 100);
    };
    setTimeout(check, 100);
  });
}

/**
 * Put the camera on the mast: 3D terrain on at true heights, the camera at the site's lon/lat and
 * ground + mast height, turned to the sensor's azimuth and pitched MAST_PITCH. The ground is the
 * DEM's height there, or the drawn terrain's where that is higher (its coarser mesh may stand
 * above a summit cell: the camera must not end up inside it), read once the terrain is loaded.
 * Resolves to where it stands: {lon, lat, ground_m, terrain_m, altitude_m, bearing, pitch}.
 */
export async function viewFromMast(map, site, sensor, coverage) {
  enable3d(map, { exaggeration: 1, pitch: null });
  drawFootprint(map, site, sensor);
  const ground = groundOf(map, site, coverage);
  const look = lookAzimuth(site, sensor, coverage);
  map.setCenterClampedToGround(false); // the centre stays where the camera's line of sight puts it
  const place = (base) => map.jumpTo(map.calculateCameraOptionsFromCameraLngLatAltRotation([site.lon, site.lat],
    base + (site.mast_height_m ?? 0), look, MAST_PITCH));
  place(ground);
  await settled(map);
  const drawn = map.queryTerrainElevation([site.lon, site.lat]);
  const base = Math.max(ground, drawn ?? ground);
  place(base);
  return { lon: site.lon, lat: site.lat, ground_m: ground, terrain_m: drawn, altitude_m: base + (site.mast_height_m ?? 0),
    bearing: look, pitch: MAST_PITCH };
}
