// A little DOM helper: every text goes in as text (never as HTML), so nothing an operator or a
// site wrote can run in the page.

/** `h('button', {class: 'x', dataset: {action: 'ack'}, onclick}, 'Acknowledge')` */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A UTC time as the control room reads it: 2026-12-02 11:40:03Z (today: 11:40:03Z). */
export function utc(iso) {
  if (!iso) return '—';
  const text = new Date(iso).toISOString();
  const day = text.slice(0, 10);
  const time = `${text.slice(11, 19)}Z`;
  return day === new Date().toISOString().slice(0, 10) ? time : `${day} ${time}`;
}

/** Degrees as 44.27060° N 71.30330° W. */
export function latLon(lat, lon) {
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}° ${ns} ${Math.abs(lon).toFixed(5)}° ${ew}`;
}
