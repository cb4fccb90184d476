// The centre's API: JSON over fetch (the session cookie travels by itself) and the live feed.

export const RANK = { viewer: 0, operator: 1, supervisor: 2, admin: 3 };

/** Whether `role` may do what needs `least` (the role table of the README). */
export function may(role, least) {
  return (RANK[role] ?? -1) >= RANK[least];
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function detailOf(body, status) {
  if (body && typeof body.detail === 'string') return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ');
  return `HTTP ${status}`;
}

/** Call the API: `api('/alerts')`, `api('/alerts/ID/acknowledge', {method: 'POST', body: {}})`. */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(`/api/v1${path}`, init);
  const text = await answer.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!answer.ok) throw new ApiError(answer.status, detailOf(parsed, answer.status));
  return parsed;
}

/**
 * The live feed (/api/v1/live): `onBatch(batch)` for each committed change batch, `onState(text)`
 * as the connection comes and goes, `onReconnect()` after a reconnection (read the state again:
 * what was missed meanwhile is not replayed). Returns a function that closes it for good.
 */
export function connectLive({ onBatch, onState, onReconnect }) {
  let socket = null;
  let closed = false;
  let delay = 1000;
  let opened = false;

  function open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/live`);
    socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'hello') {
        onState('live');
        delay = 1000;
        if (opened) onReconnect();
        opened = true;
      } else if (msg.type === 'dropped') {
        onState('behind: reconnecting');
      } else if (Array.isArray(msg.changes)) {
        onBatch(msg);
      }
    };
    socket.onclose = () => {
      if (closed) return;
      onState('offline: reconnecting');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  open();
  return () => {
    closed = true;
    socket?.close();
  };
}
