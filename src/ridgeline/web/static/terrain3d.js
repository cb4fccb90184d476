// The 3D view: the sector's own terrain (a second raster-dem source on the same Terrarium tiles,
// so the hillshade and the 3D mesh each get the resolution they need) under a sky, pitched.
// Nothing here fetches anything but this origin's TERRAIN_TILEJSON and its tiles.
import { TERRAIN_TILEJSON } from './map.js';

export const TERRAIN_3D = 'terrain-3d';
export const EXAGGERATION = 1.5; // relief for the overview; "view from the mast" uses 1 (true heights)
export const SKY = {
  'sky-color': '#6d93b8', 'horizon-color': '#c9d6e0', 'fog-color': '#1b252e',
  'sky-horizon-blend': 0.6, 'horizon-fog-blend': 0.4, 'fog-ground-blend': 0.2, 'atmosphere-blend': 0,
};

/** Whether the 3D terrain is on. */
export function is3d(map) {
  return Boolean(map.getTerrain());
}

/** Turn the 3D terrain on (`exaggeration`: vertical scale) with a sky; pitch the view unless told not to. */
export function enable3d(map, { exaggeration = EXAGGERATION, pitch = 60 } = {}) {
  if (!map.getSource(TERRAIN_3D)) {
    // Terrarium encoding, 256 px tiles: said here as on the hillshade's source (map.js)
    map.addSource(TERRAIN_3D, { type: 'raster-dem', url: TERRAIN_TILEJSON, encoding: 'terrarium', tileSize: 256 });
  }
  map.setMaxPitch(85);
  map.setTerrain({ source: TERRAIN_3D, exaggeration });
  map.setSky(SKY);
  if (pitch != null) map.easeTo({ pitch, duration: 0 });
}

/** Back to the flat map, north up. */
export function disable3d(map) {
  map.setTerrain(null);
  map.setCenterClampedToGround(true);
  map.easeTo({ pitch: 0, bearing: 0, duration: 0 });
  map.setMaxPitch(60);
}
