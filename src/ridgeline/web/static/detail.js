// An alert's detail: what it is, its evidence, the actions the role allows (and only those),
// its comments and history. Actions call `act(name, payload)`; app.js talks to the API.
import { h, latLon, utc } from './dom.js';
import { may } from './api.js';
import { isResolved } from './queue.js';
import { markSvg } from './severity.js';

/** The alert's objects' paths in words: "trk-1 (person): 3 positions, 10:01:00Z to 10:02:00Z". */
function pathText(paths) {
  if (!paths.length) return 'none reported';
  return paths.map((p) => `${p.object_id} (${p.object_class ?? '?'}): ${p.times.length} position(s), `
    + `${utc(p.times[0])} to ${utc(p.times[p.times.length - 1])}`).join('; ');
}

function facts(a, detail, paths) {
  const rows = [
    ['Severity', a.severity], ['State', a.state.replaceAll('_', ' ')], ['Rule', detail.rule],
    ['Site', a.site ?? '—'], ['Sources', a.sources.map((s) => `${s.site}/${s.sensor ?? '-'}`).join(', ') || '—'],
    ['Opened', utc(a.opened)], ['Latest', utc(a.seen ?? a.updated)], ['Events', a.event_count],
    ['Position', a.position?.lat != null ? latLon(a.position.lat, a.position.lon) : '—'],
    ['Acknowledged', a.acknowledged ? `${utc(a.acknowledged)} by ${a.acknowledged_by}` : 'no'],
    ['Cleared', a.cleared ? `${utc(a.cleared)} by ${a.cleared_by}` : 'no'],
    ['Assignee', a.assignee ?? '—'], ['Escalated', a.escalated ? `to ${a.escalated_to ?? 'a supervisor'}` : 'no'],
    ['Incidents', detail.incidents.join(', ') || '—'], ['Track', pathText(paths)],
  ];
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function form(name, fields, label, act, collect) {
  return h('form', {
    class: 'action', dataset: { action: name },
    onsubmit: (e) => {
      e.preventDefault();
      const payload = collect(e.target);
      e.target.reset(); // sent: not carried over when the detail is drawn again
      act(name, payload);
    },
  }, fields, h('button', { type: 'submit', dataset: { action: name } }, label));
}

/** Whether the alert can still be passed up to the supervisors. */
export function canEscalate(a) {
  return !isResolved(a) && a.escalated_to !== 'supervisor';
}

/** The buttons and forms `role` may use on this alert, as it stands. */
function actions(a, role, act) {
  if (!may(role, 'operator')) return null;
  const done = isResolved(a);
  const parts = [];
  const button = (name, label, payload = {}) => h('button', {
    type: 'button', dataset: { action: name }, onclick: () => act(name, payload),
  }, label);
  if (!a.acknowledged && !done) parts.push(button('acknowledge', 'Acknowledge (a)'));
  if (!a.cleared && !done) parts.push(button('clear', 'Clear'));
  if (canEscalate(a)) parts.push(button('escalate', 'Escalate (e)', { to: 'supervisor' }));
  if (!done) {
    parts.push(form('assign', h('input', { name: 'assignee', placeholder: 'operator name', maxlength: 64,
      'aria-label': 'Assign to', value: a.assignee ?? '' }), 'Assign', act,
    (f) => ({ assignee: f.assignee.value.trim() || null })));
  }
  parts.push(form('comment', h('input', { name: 'text', placeholder: 'comment', maxlength: 4000, required: true,
    'aria-label': 'Comment' }), 'Comment', act, (f) => ({ text: f.text.value })));
  parts.push(form('open-incident', h('input', { name: 'title', maxlength: 200, required: true,
    'aria-label': 'Incident title', value: `${a.type.replaceAll('_', ' ')} at ${a.site ?? 'the line'}` }),
  'Open incident', act, (f) => ({ title: f.title.value })));
  if (may(role, 'supervisor') && !done) {
    parts.push(button('resolve-true', 'Resolve: true alert', { false_alarm: false }));
    parts.push(button('resolve-false', 'Resolve: false alarm', { false_alarm: true }));
  }
  return h('div', { class: 'actions' }, parts);
}

/** What the operator is typing in the detail of alert `id`, to survive a live re-render. */
function typing(el, id) {
  if (el.querySelector('h3')?.dataset.id !== id) return { values: new Map(), focus: null };
  const values = new Map([...el.querySelectorAll('form[data-action] input')]
    .filter((i) => i.value !== i.defaultValue).map((i) => [i.form.dataset.action, i.value]));
  return { values, focus: document.activeElement?.closest('form[data-action]')?.dataset.action ?? null };
}

function restore(el, { values, focus }) {
  for (const [action, value] of values) {
    const input = el.querySelector(`form[data-action="${action}"] input`);
    if (input) input.value = value;
  }
  if (focus) el.querySelector(`form[data-action="${focus}"] input`)?.focus();
}

/** Fill `el` with the detail of one alert (GET /alerts/ID) and its evidence images; what the
 * operator was typing in it stays (a live change re-renders it at any moment). */
export function showDetail(el, detail, evidence, role, act, paths = []) {
  const a = detail.alert;
  const typed = typing(el, a.id);
  const images = evidence.map((e) => h('figure', {},
    h('img', { src: e.url, alt: `evidence ${e.site}/${e.sensor} at ${utc(e.time)}`, width: e.width,
      height: e.height, class: 'evidence' }),
    h('figcaption', {}, `${e.site}/${e.sensor} ${utc(e.time)}`)));
  el.replaceChildren(
    h('h3', { dataset: { id: a.id } }, markSvg(a.severity, 18), ` ${a.type.replaceAll('_', ' ')}`),
    facts(a, detail, paths),
    images.length ? h('div', { class: 'evidence-list' }, images) : h('p', { class: 'muted' }, 'No evidence image.'),
    ...[actions(a, role, act)].filter(Boolean),  // none for a viewer (replaceChildren would write "null")
    h('h4', {}, 'Comments'),
    h('ol', { class: 'comments' }, detail.comments.map((c) => h('li', { class: c.system ? 'system' : 'person' },
      h('time', {}, utc(c.time)), ' ', h('b', {}, c.author), ' ', h('span', { class: 'text' }, c.text)))),
    h('h4', {}, 'History'),
    h('ol', { class: 'history' }, detail.history.map((x) => h('li', {},
      h('time', {}, utc(x.time)), ` ${x.action} by ${x.actor}`))),
  );
  restore(el, typed);
}
