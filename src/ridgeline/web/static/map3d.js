// The map's terrain and coverage panel (a map control, bottom right, clear of the fitted
// sector's sites): the 3D toggle, the coverage layers to show, and "view from the mast" (a
// site and sensor). Started once the sector is known; the state it reaches is written on
// #map's dataset (terrain, coverage, view, mast) for whoever waits for it (the browser tests).
import { addCoverage, GROUPS, showGroup } from './coverage.js';
import { h } from './dom.js';
import { clearMast, viewFromMast } from './mast.js';
import { disable3d, enable3d, is3d } from './terrain3d.js';

class Panel {
  constructor(content) {
    this.content = content;
  }

  onAdd() {
    this.el = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group map3d-panel' }, this.content);
    return this.el;
  }

  onRemove() {
    this.el.remove();
  }
}

/** Add the panel to `sectorMap` (map.js) for `sector` (GET /sector). */
export async function setupMap3d(sectorMap, sector) {
  const map = sectorMap.map;
  const box = map.getContainer();
  window.ridgelineMap = map; // for the browser tests and a curious operator's console
  await sectorMap.ready;
  let coverage = null;
  const toggle = h('button', { type: 'button', id: 'toggle-3d', disabled: true, title: 'Terrain in 3D' }, '3D');
  const groups = Object.entries(GROUPS).map(([name, g]) => h('label', {},
    h('input', { type: 'checkbox', name, checked: g.on, disabled: true,
      onchange: (e) => showGroup(map, name, e.target.checked) }), ` ${g.label}`));
  const options = sector.sites.flatMap((s) => s.sensors.map((x) => h('option', { value: `${s.id}/${x.id}` },
    `${s.id} · ${x.id} (${x.kind}${x.azimuth_deg != null ? ` ${x.azimuth_deg}°` : ''})`)));
  const mast = h('select', { id: 'mast-select', disabled: true, 'aria-label': 'View from the mast' },
    h('option', { value: '' }, 'View from the mast…'), options);
  const say = h('small', { class: 'muted', id: 'map3d-state' }, 'terrain: loading');
  map.addControl(new Panel([h('div', { class: 'row' }, toggle, mast), h('div', { class: 'groups' }, groups), say]),
    'bottom-right');

  function show3d(on) {
    toggle.classList.toggle('on', on);
    toggle.setAttribute('aria-pressed', String(on));
    box.dataset.view = on ? '3d' : '2d';
  }
  toggle.addEventListener('click', () => {
    if (is3d(map)) {
      disable3d(map);
      clearMast(map);
      mast.value = '';
      delete box.dataset.mast;
    } else {
      enable3d(map);
    }
    show3d(is3d(map));
  });
  mast.addEventListener('change', async () => {
    const [siteId, sensorId] = mast.value.split('/');
    const site = sector.sites.find((s) => s.id === siteId);
    const sensor = site?.sensors.find((x) => x.id === sensorId);
    if (!site || !sensor) return;
    delete box.dataset.mast;
    show3d(true);
    const at = await viewFromMast(map, site, sensor, coverage);
    box.dataset.mast = JSON.stringify({ site: site.id, sensor: sensor.id, ...at });
  });
  show3d(false);
  // clicking a site on the map picks its first sensor's view
  map.on('click', 'sites', (e) => {
    const site = sector.sites.find((s) => s.id === e.features[0]?.properties.id);
    if (!site?.sensors.length || mast.disabled) return;
    mast.value = `${site.id}/${site.sensors[0].id}`;
    mast.dispatchEvent(new Event('change'));
  });

  const terrain = await sectorMap.terrain;
  box.dataset.terrain = terrain ? 'served' : 'none';
  say.textContent = terrain ? '' : 'no terrain served';
  toggle.disabled = !terrain;
  mast.disabled = !terrain;
  try {
    coverage = await addCoverage(map);
    for (const input of groups.map((l) => l.querySelector('input'))) input.disabled = false;
    const day = coverage.summary?.day;
    if (day) say.textContent = `line seen ${(100 * day.covered_fraction).toFixed(1)} % by day`;
    box.dataset.coverage = 'ready';
  } catch (e) {
    say.textContent = `coverage: ${e.message}`;
    box.dataset.coverage = 'failed';
  }
}
