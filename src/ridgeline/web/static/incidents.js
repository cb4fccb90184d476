// Incidents, newest first. One opens to its timeline (events, alerts, comments, evidence,
// dispatches: GET /incidents/ID), with what the role may do on it: an operator comments on an
// open one, a supervisor closes it with an outcome or reopens it and exports its case file
// (GET /incidents/ID/case, a ZIP with a signed manifest that `ridgeline case verify` checks).
import { api, may } from './api.js';
import { h, utc } from './dom.js';

const OUTCOMES = ['apprehended', 'turned_back', 'no_trace', 'false_alarm', 'handed_over', 'other'];

export class Incidents {
  /** `list`: the <ol> to fill; `say(text, error)`: the console's status line. */
  constructor(list, say = () => {}) {
    this.list = list;
    this.say = say;
    this.incidents = new Map();
    this.role = 'viewer';
    this.open = null; // the id of the incident shown with its timeline
    this.detail = null; // its GET /incidents/ID answer
  }

  setAll(incidents) {
    this.incidents = new Map(incidents.map((i) => [i.id, i]));
    this.render();
    if (this.open) this.load(this.open);
  }

  upsert(incident) {
    this.incidents.set(incident.id, incident);
    this.render();
    if (incident.id === this.open) this.load(incident.id);
  }

  /** Show one incident's timeline (or hide it, if it is the one shown). */
  async toggle(id) {
    if (this.open === id) {
      this.open = null;
      this.detail = null;
      this.render();
      return;
    }
    this.open = id;
    await this.load(id);
  }

  async load(id) {
    try {
      const detail = await api(`/incidents/${encodeURIComponent(id)}`);
      if (this.open !== id) return; // another was opened meanwhile
      this.detail = detail;
      this.render();
    } catch (e) {
      this.say(`incident ${id}: ${e.message}`, true);
    }
  }

  async act(id, label, path, body) {
    try {
      const done = await api(`/incidents/${encodeURIComponent(id)}${path}`, { method: 'POST', body });
      if (done?.id === id && done.title) this.incidents.set(id, done);
      this.say(`${label}: done`);
      await this.load(id);
    } catch (e) {
      this.say(`${label}: ${e.message}`, true);
    }
  }

  /** The forms the role may use on the incident, as it stands. */
  actions(i) {
    const parts = [];
    const form = (name, fields, label, collect) => h('form', {
      class: 'action', dataset: { action: name },
      onsubmit: (e) => {
        e.preventDefault();
        const [path, body] = collect(e.target);
        this.act(i.id, label.toLowerCase(), path, body);
      },
    }, fields, h('button', { type: 'submit' }, label));
    if (i.state === 'open' && may(this.role, 'operator')) {
      parts.push(form('incident-comment', h('input', { name: 'text', required: true, maxlength: 4000,
        placeholder: 'comment', 'aria-label': 'Comment on the incident' }), 'Comment',
      (f) => ['/comments', { text: f.text.value }]));
    }
    if (i.state === 'open' && may(this.role, 'supervisor')) {
      parts.push(form('incident-close', [
        h('select', { name: 'outcome', 'aria-label': 'Outcome' },
          OUTCOMES.map((o) => h('option', { value: o }, o.replaceAll('_', ' ')))),
        h('input', { name: 'summary', maxlength: 4000, placeholder: 'summary', 'aria-label': 'Summary' }),
      ], 'Close', (f) => ['/close', { outcome: f.outcome.value, summary: f.summary.value || null }]));
    }
    if (i.state === 'closed' && may(this.role, 'supervisor')) {
      parts.push(form('incident-reopen', h('input', { name: 'reason', maxlength: 4000, placeholder: 'why',
        'aria-label': 'Why reopen' }), 'Reopen', (f) => ['/reopen', { reason: f.reason.value }]));
    }
    return parts.length ? h('div', { class: 'actions' }, parts) : null;
  }

  timeline(i) {
    const d = this.detail;
    if (!d || d.incident.id !== i.id) return h('p', { class: 'muted' }, 'loading…');
    return h('div', { class: 'incident-detail' },
      d.incident.outcome ? h('p', {}, `Outcome: ${d.incident.outcome.replaceAll('_', ' ')}`,
        d.incident.summary ? ` — ${d.incident.summary}` : '') : null,
      this.actions(d.incident),
      h('ol', { class: 'incident-timeline' }, d.timeline.map((e) => h('li', { class: `entry ${e.kind}` },
        h('time', { datetime: e.time }, utc(e.time)), ' ', h('b', {}, e.actor), ' ',
        h('span', { class: 'text' }, e.text)))));
  }

  render(role = this.role) {
    this.role = role;
    const rows = [...this.incidents.values()].sort((a, b) => (b.opened < a.opened ? -1 : 1)).map((i) => h('li', {
      class: `incident state-${i.state}${i.id === this.open ? ' open' : ''}`, dataset: { id: i.id },
    },
    h('button', { type: 'button', class: 'title link', 'aria-expanded': String(i.id === this.open),
      onclick: () => this.toggle(i.id) }, i.title),
    h('span', { class: 'muted' }, ` ${i.state} · ${i.alerts.length} alert(s) · ${utc(i.opened)} by ${i.opened_by}`),
    i.legal_hold ? h('span', { class: 'flag' }, 'HOLD') : null,
    may(role, 'supervisor')
      ? h('a', { class: 'case', href: `/api/v1/incidents/${encodeURIComponent(i.id)}/case`, download: '' },
        'export case file')
      : null,
    i.id === this.open ? this.timeline(i) : null));
    this.list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'No incident.')]));
  }
}
