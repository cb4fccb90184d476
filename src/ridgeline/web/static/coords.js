// Coordinates as the control room reads them: WGS84 latitude/longitude, UTM (zone, easting,
// northing) and MGRS (1 m). UTM by Krüger's series to n^6 (Karney 2011), good to well under a
// millimetre within the zone; the zone follows the standard's exceptions (south-west Norway:
// 32V widened to 3°-12° E; Svalbard: 31X, 33X, 35X, 37X between 72° and 84° N). Beyond UTM's
// latitudes (south of 80° S, north of 84° N) MGRS uses UPS, which this does not compute: null.
import { latLon } from './dom.js';

const A_AXIS = 6378137;
const F = 1 / 298.257223563;
const K0 = 0.9996;
const N = F / (2 - F);
const E = Math.sqrt(F * (2 - F));
const RECT = (A_AXIS / (1 + N)) * (1 + N ** 2 / 4 + N ** 4 / 64 + N ** 6 / 256);
const ALPHA = [
  N / 2 - (2 / 3) * N ** 2 + (5 / 16) * N ** 3 + (41 / 180) * N ** 4 - (127 / 288) * N ** 5 + (7891 / 37800) * N ** 6,
  (13 / 48) * N ** 2 - (3 / 5) * N ** 3 + (557 / 1440) * N ** 4 + (281 / 630) * N ** 5
    - (1983433 / 1935360) * N ** 6,
  (61 / 240) * N ** 3 - (103 / 140) * N ** 4 + (15061 / 26880) * N ** 5 + (167603 / 181440) * N ** 6,
  (49561 / 161280) * N ** 4 - (179 / 168) * N ** 5 + (6601661 / 7257600) * N ** 6,
  (34729 / 80640) * N ** 5 - (3418889 / 1995840) * N ** 6,
  (212378941 / 319334400) * N ** 6,
];
const BANDS = 'CDEFGHJKLMNPQRSTUVWXX'; // 8° each from 80° S; X spans 72°-84° N
const COLUMNS = ['ABCDEFGH', 'JKLMNPQR', 'STUVWXYZ']; // 100 km columns, by zone mod 3
const ROWS = 'ABCDEFGHJKLMNPQRSTUV'; // 100 km rows, shifted by 5 in even zones

/** The UTM zone of a point, with the Norway and Svalbard exceptions. */
export function utmZone(lat, lon) {
  const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180;
  let zone = Math.floor((wrapped + 180) / 6) + 1;
  if (zone > 60) zone = 60;
  if (lat >= 56 && lat < 64 && wrapped >= 3 && wrapped < 12) zone = 32;
  if (lat >= 72 && lat <= 84 && wrapped >= 0 && wrapped < 42) {
    zone = wrapped < 9 ? 31 : wrapped < 21 ? 33 : wrapped < 33 ? 35 : 37;
  }
  return zone;
}

/** WGS84 degrees to UTM: {zone, hemisphere 'N'|'S', easting, northing} in metres; null outside 80° S-84° N.
 * `zone` forces a zone (e.g. to compare with a projection of that zone). */
export function toUtm(lat, lon, zone = utmZone(lat, lon)) {
  if (!(lat >= -80 && lat <= 84) || !Number.isFinite(lon)) return null;
  const lon0 = (zone - 1) * 6 - 180 + 3;
  const dl = ((lon - lon0 + 540) % 360) - 180;
  const phi = (lat * Math.PI) / 180;
  const lam = (dl * Math.PI) / 180;
  const sinPhi = Math.sin(phi);
  const t = Math.sinh(Math.atanh(sinPhi) - E * Math.atanh(E * sinPhi));
  const xi1 = Math.atan2(t, Math.cos(lam));
  const eta1 = Math.atanh(Math.sin(lam) / Math.sqrt(1 + t * t));
  let xi = xi1;
  let eta = eta1;
  for (let j = 1; j <= 6; j += 1) {
    xi += ALPHA[j - 1] * Math.sin(2 * j * xi1) * Math.cosh(2 * j * eta1);
    eta += ALPHA[j - 1] * Math.cos(2 * j * xi1) * Math.sinh(2 * j * eta1);
  }
  const easting = 500000 + K0 * RECT * eta;
  let northing = K0 * RECT * xi;
  const hemisphere = lat < 0 ? 'S' : 'N';
  if (lat < 0) northing += 10000000;
  return { zone, hemisphere, easting, northing };
}

/** The MGRS latitude band letter (C..X). */
export function band(lat) {
  return BANDS[Math.min(20, Math.max(0, Math.floor(lat / 8 + 10)))];
}

/** WGS84 degrees to MGRS at 1 m ("19T CJ 12345 67890"): the square that holds the point (truncated,
 * as MGRS references are); null outside UTM's latitudes. */
export function toMgrs(lat, lon) {
  const u = toUtm(lat, lon);
  if (u === null) return null;
  // floor to whole metres first: a point a hair west of a 100 km line belongs to the square west of it
  const e = Math.floor(u.easting + 1e-6);
  const n = Math.floor(u.northing + 1e-6);
  const column = COLUMNS[(u.zone - 1) % 3][Math.floor(e / 100000) - 1];
  const row = ROWS[(Math.floor(n / 100000) + (u.zone % 2 === 0 ? 5 : 0)) % 20];
  const digits = (v) => String(v % 100000).padStart(5, '0');
  return `${u.zone}${band(lat)} ${column}${row} ${digits(e)} ${digits(n)}`;
}

/** "19T 312345 4912345" (UTM, metres). */
export function utmText(lat, lon) {
  const u = toUtm(lat, lon);
  if (u === null) return null;
  return `${u.zone}${u.hemisphere} ${Math.floor(u.easting)}E ${Math.floor(u.northing)}N`;
}

/** The status bar's text: "44.27060° N 71.30330° W · UTM 19N 316436E 4904434N · MGRS 19T CK 16436 04434". */
export function coordsText(lat, lon) {
  const ll = latLon(lat, lon);
  const utm = utmText(lat, lon);
  return utm === null ? `${ll} · UTM — · MGRS —` : `${ll} · UTM ${utm} · MGRS ${toMgrs(lat, lon)}`;
}
