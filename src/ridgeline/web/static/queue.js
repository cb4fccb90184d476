// The alert queue: the alerts the console knows that pass its filters (open / new / mine /
// escalated / all, a least severity, a site, a type), most severe first and newest first within a
// severity; resolved ones sink to the bottom. j/k move the selection.
import { h, utc } from './dom.js';
import { markSvg, RANK } from './severity.js';

const MAX_ROWS = 200;
const RESOLVED = new Set(['resolved_true', 'resolved_false_alarm']);

export function isResolved(alert) {
  return RESOLVED.has(alert.state);
}

function order(a, b) {
  return (isResolved(a) - isResolved(b))
    || (RANK[b.severity] - RANK[a.severity])
    || (b.opened < a.opened ? -1 : b.opened > a.opened ? 1 : 0);
}

/** What each "show" choice keeps; `me` is the operator's name. */
const VIEWS = {
  open: (a) => !isResolved(a),
  new: (a) => !isResolved(a) && !a.acknowledged,
  mine: (a, me) => a.assignee === me,
  escalated: (a) => !isResolved(a) && a.escalated,
  all: () => true,
};

export class Queue {
  /** `filters`: the form of selects named view, severity, site and type; `me`: who is logged in. */
  constructor(list, count, onSelect, filters = null, me = null) {
    this.list = list;
    this.count = count;
    this.onSelect = onSelect;
    this.alerts = new Map();
    this.selected = null;
    this.frame = null;
    this.me = me;
    this.filters = filters;
    this.types = new Set();
    filters?.addEventListener('change', () => this.render());
  }

  /** Whether an alert passes the filters as they are set. */
  passes(a) {
    const f = this.filters?.elements;
    if (!f) return true;
    return (VIEWS[f.view.value] ?? VIEWS.all)(a, this.me)
      && RANK[a.severity] >= (RANK[f.severity.value] ?? 0)
      && (!f.site.value || a.site === f.site.value || a.sources.some((s) => s.site === f.site.value))
      && (!f.type.value || a.type === f.type.value);
  }

  /** The sites to filter on (the sector's). */
  setSites(ids) {
    const select = this.filters?.elements.site;
    if (!select) return;
    select.replaceChildren(h('option', { value: '' }, 'every site'), ...ids.map((id) => h('option', { value: id }, id)));
  }

  /** Offer each alert type seen so far in the type filter (`alerts`: those just heard of). */
  noteTypes(alerts) {
    const select = this.filters?.elements.type;
    const before = this.types.size;
    for (const a of alerts) this.types.add(a.type);
    if (!select || this.types.size === before) return;
    const chosen = select.value;
    select.replaceChildren(h('option', { value: '' }, 'every type'),
      ...[...this.types].sort().map((t) => h('option', { value: t }, t.replaceAll('_', ' '))));
    select.value = chosen;
  }

  setAll(alerts) {
    this.alerts = new Map(alerts.map((a) => [a.id, a]));
    this.noteTypes(alerts);
    this.render();
  }

  upsert(alert) {
    const known = this.alerts.get(alert.id);
    if (known && known.updated > alert.updated) return; // an older copy arriving late
    this.alerts.set(alert.id, alert);
    this.noteTypes([alert]);
    this.render();
  }

  /** The alerts that pass the filters, in the queue's order. */
  ordered() {
    return [...this.alerts.values()].filter((a) => this.passes(a)).sort(order);
  }

  /** Redraw once in the next frame, however many changes came meanwhile. */
  render() {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  /** The first MAX_ROWS rows only: 10,000 rows rebuilt for each change cost the page its frame
   * rate (bench/console.py); what is further down is the oldest and the resolved. */
  draw() {
    const ordered = this.ordered();
    const rows = ordered.slice(0, MAX_ROWS).map((a) => this.row(a));
    if (ordered.length > MAX_ROWS) {
      rows.push(h('li', { class: 'more muted' }, `and ${ordered.length - MAX_ROWS} more, older or resolved`));
    } else if (!ordered.length) {
      rows.push(h('li', { class: 'more muted' }, this.alerts.size ? 'No alert passes the filters.' : 'No alert.'));
    }
    this.list.replaceChildren(...rows);
    const open = [...this.alerts.values()].filter((a) => !isResolved(a) && !a.acknowledged).length;
    this.count.textContent = `${open} new · ${ordered.length} shown of ${this.alerts.size}`;
  }

  row(a) {
    const flags = [
      a.escalated ? h('span', { class: 'flag escalated', title: 'escalated' }, 'ESC') : null,
      a.acknowledged ? h('span', { class: 'flag', title: `acknowledged by ${a.acknowledged_by}` }, 'ACK') : null,
      a.cleared ? h('span', { class: 'flag', title: `cleared by ${a.cleared_by}` }, 'CLR') : null,
      a.assignee ? h('span', { class: 'flag assignee', title: 'assignee' }, `@${a.assignee}`) : null,
    ];
    const classes = ['alert', `sev-${a.severity}`, `state-${a.state}`];
    if (a.id === this.selected) classes.push('selected');
    if (!a.acknowledged && !isResolved(a)) classes.push('unacknowledged');
    return h('li', {
      class: classes.join(' '), dataset: { id: a.id, severity: a.severity }, tabindex: -1,
      onclick: () => this.select(a.id),
    },
    markSvg(a.severity),
    h('span', { class: 'type' }, a.type.replaceAll('_', ' ')),
    h('span', { class: 'site' }, a.site ?? '—'),
    h('time', { datetime: a.opened }, utc(a.opened)),
    h('span', { class: 'state' }, a.state.replaceAll('_', ' ')),
    h('span', { class: 'flags' }, flags));
  }

  select(id) {
    this.selected = id;
    for (const li of this.list.children) li.classList.toggle('selected', li.dataset.id === id);
    this.list.querySelector('li.selected')?.scrollIntoView({ block: 'nearest' });
    this.onSelect(id);
  }

  /** j/k: the next (+1) or previous (-1) alert in the queue's order. */
  move(step) {
    const ids = this.ordered().map((a) => a.id);
    if (!ids.length) return;
    const at = ids.indexOf(this.selected);
    const next = at < 0 ? 0 : Math.min(ids.length - 1, Math.max(0, at + step));
    this.select(ids[next]);
  }
}
