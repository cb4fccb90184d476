// The sites panel: every site of the sector with its live status (online, offline, never heard
// from), when the centre last heard it and its outbox backlog, and the sensors it carries, each
// with a "view from the mast" button. A click on a site brings it into view on the map.
import { h, utc } from './dom.js';

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function ago(iso, now = Date.now()) {
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export class Sites {
  /** `list`: the <ol> to fill; `onView(siteId, sensorId)`: view from the mast; `onFocus(site)`: show it. */
  constructor(list, { onView, onFocus }) {
    this.list = list;
    this.onView = onView;
    this.onFocus = onFocus;
    this.sites = []; // the sector's (GET /sector)
    this.status = new Map(); // site id -> GET /sites row or a `site` change's data
    this.ticker = setInterval(() => { if (!this.list.closest('[hidden]')) this.render(); }, 5000); // the ages
  }

  setSector(sector) {
    this.sites = sector.sites;
    this.render();
  }

  /** A GET /sites row, or a live `site` change's data (heard now: it carries no time of its own). */
  setStatus(id, row) {
    this.status.set(id, { ...row, seen: row.seen ?? new Date().toISOString() });
    this.render();
  }

  render() {
    const rows = this.sites.map((s) => {
      const st = this.status.get(s.id);
      const state = st ? (st.online ? 'online' : 'offline') : 'unknown';
      const heard = st?.seen ? h('time', { datetime: st.seen, title: utc(st.seen) }, `heard ${ago(st.seen)}`)
        : 'never heard from';
      return h('li', { class: `site status-${state}`, dataset: { id: s.id, status: state } },
        h('button', { type: 'button', class: 'title link', onclick: () => this.onFocus(s) }, s.id),
        h('span', { class: `status ${state}` }, ` ${state}`),
        h('span', { class: 'muted' }, ' · ', heard, st?.backlog ? ` · ${st.backlog} waiting` : '',
          ` · mast ${s.mast_height_m} m`),
        h('ul', { class: 'sensors' }, s.sensors.map((x) => h('li', { dataset: { sensor: x.id } },
          h('span', {}, `${x.id} · ${x.kind}`,
            x.azimuth_deg != null ? ` ${x.azimuth_deg}°` : '', x.fov_deg < 360 ? ` fov ${x.fov_deg}°` : ' all round',
            ` · ${(x.day_range_m / 1000).toFixed(1)} km day / ${(x.night_range_m / 1000).toFixed(1)} km night`),
          h('button', { type: 'button', class: 'small', dataset: { action: 'view-from-mast' },
            onclick: () => this.onView(s.id, x.id) }, 'view from the mast')))));
    });
    this.list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'No site in the sector.')]));
  }
}
