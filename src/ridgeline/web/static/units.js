// The units panel: every response unit with its status, how long ago it last reported its
// position and, once an alert is selected, its travel time to it over the terrain (GET
// /alerts/ID/etas: fastest first, the fastest available unit recommended), with "dispatch" for
// an operator. Units are drawn on the map by map.js, coloured by base status.
import { may } from './api.js';
import { h } from './dom.js';
import { ago } from './sites.js';

/** 77.1 min as "1 h 17 min", 12.4 as "12 min". */
export function minutes(m) {
  if (m == null) return '—';
  if (m < 60) return `${Math.round(m)} min`;
  return `${Math.floor(m / 60)} h ${Math.round(m % 60)} min`;
}

export class Units {
  /** `list`: the <ol> to fill; `onDispatch(unitId, alertId)`; `onFocus(unit)`: show it on the map. */
  constructor(list, { onDispatch, onFocus }) {
    this.list = list;
    this.onDispatch = onDispatch;
    this.onFocus = onFocus;
    this.role = 'viewer';
    this.units = new Map(); // id -> unit (GET /units row or a `unit` change's data)
    this.etas = null; // GET /alerts/ID/etas for the selected alert
    this.ticker = setInterval(() => { if (!this.list.closest('[hidden]')) this.render(); }, 5000); // the ages
  }

  setAll(units) {
    this.units = new Map(units.map((u) => [u.id, u]));
    this.render();
  }

  upsert(unit) {
    this.units.set(unit.id, unit);
    this.render();
  }

  /** The ETAs to the selected alert (null: none selected). */
  setEtas(etas) {
    this.etas = etas;
    this.render();
  }

  row(u, eta) {
    const heard = u.position_time ? `position ${ago(u.position_time)}` : 'at its base (no report yet)';
    const etaText = !this.etas ? null
      : eta?.minutes != null ? `ETA ${minutes(eta.minutes)}` : `cannot come: ${eta?.reason ?? 'unknown'}`;
    const free = u.base === 'available';
    const canSend = this.etas && may(this.role, 'operator') && free && eta?.minutes != null;
    return h('li', { class: `unit base-${u.base}${eta?.recommended ? ' recommended' : ''}`,
      dataset: { id: u.id, base: u.base } },
    h('button', { type: 'button', class: 'title link', onclick: () => this.onFocus(u) }, u.name || u.id),
    h('span', { class: 'muted' }, ` ${u.kind} · `), h('span', { class: 'status' }, u.status.replaceAll('_', ' ')),
    h('span', { class: 'muted' }, ` · ${heard}`, u.alert ? ` · on alert ${u.alert}` : ''),
    etaText ? h('div', { class: 'eta' }, h('span', { class: 'minutes', dataset: { minutes: eta?.minutes ?? '' } },
      etaText), eta?.straight_m != null ? h('span', { class: 'muted' },
      ` (${(eta.straight_m / 1000).toFixed(1)} km away)`) : null,
    eta?.recommended ? h('b', { class: 'flag recommended' }, 'fastest') : null,
    eta?.drone ? h('span', { class: 'muted drone-view' }, eta.drone.visible ? ' · sees it from its standoff'
      : eta.drone.hover ? ` · hover ${Math.round(eta.drone.moved_m)} m off its standoff to see it`
        : ' · no hover point within reach sees it') : null,
    canSend ? h('button', { type: 'button', class: 'small', dataset: { action: 'dispatch' },
      onclick: () => this.onDispatch(u.id, this.etas.alert_id) }, 'dispatch') : null) : null);
  }

  render() {
    const byUnit = new Map((this.etas?.etas ?? []).map((e) => [e.unit.id, e]));
    // with an alert selected: fastest first, as the centre ordered them; else by name
    const order = this.etas?.etas?.length ? this.etas.etas.map((e) => e.unit.id)
      : [...this.units.keys()].sort();
    const rows = order.filter((id) => this.units.has(id)).map((id) => this.row(this.units.get(id), byUnit.get(id)));
    const head = this.etas?.reason ? [h('li', { class: 'muted' }, `No ETA: ${this.etas.reason}.`)] : [];
    this.list.replaceChildren(...head, ...(rows.length ? rows : [h('li', { class: 'muted' }, 'No unit.')]));
  }
}
