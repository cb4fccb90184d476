// Incidents, newest first; a supervisor exports a case file (GET /incidents/ID/case, a ZIP with
// a signed manifest that `ridgeline case verify` checks).
import { h, utc } from './dom.js';
import { may } from './api.js';

export class Incidents {
  constructor(list) {
    this.list = list;
    this.incidents = new Map();
  }

  setAll(incidents) {
    this.incidents = new Map(incidents.map((i) => [i.id, i]));
    this.render();
  }

  upsert(incident) {
    this.incidents.set(incident.id, incident);
    this.render();
  }

  render(role = this.role) {
    this.role = role;
    const rows = [...this.incidents.values()].sort((a, b) => (b.opened < a.opened ? -1 : 1)).map((i) => h('li', {
      class: `incident state-${i.state}`, dataset: { id: i.id },
    },
    h('span', { class: 'title' }, i.title),
    h('span', { class: 'muted' }, ` ${i.state} · ${i.alerts.length} alert(s) · ${utc(i.opened)} by ${i.opened_by}`),
    i.legal_hold ? h('span', { class: 'flag' }, 'HOLD') : null,
    may(role, 'supervisor')
      ? h('a', { class: 'case', href: `/api/v1/incidents/${encodeURIComponent(i.id)}/case`, download: '' },
        'export case file')
      : null));
    this.list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'No incident.')]));
  }
}
