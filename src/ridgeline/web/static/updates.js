// Every update of the map's live sources (tracks, alerts, incidents, sites) goes through one
// MapUpdates: each source's newest data waits for the next flush, and flushes come at most once
// per FLUSH_MS, every waiting source in the same frame. What an operator does (select an alert,
// move the time slider) goes at once.
//
// A flush is drawn once. A setData re-tiles its source in MapLibre's worker, and the map redraws
// when the new data is announced and again for each tile that comes back: three or four redraws a
// flush. Where WebGL is drawn on the CPU (SwiftShader: a thin client, a VM, the tests) one redraw
// costs a frame of 60-200 ms however little it draws (bench/console.py: the empty map, redrawn
// continuously), so that many a second leave the page janky. So from a flush until every source
// it set has its new tiles (FLUSH_MS at most), the map's redraws are held, and then made once: it
// shows the whole flush in one frame; the frame more that MapLibre asks for after new symbols waits
// for the next flush (FLUSH_MS at most). A camera that moves, or an operator's press, wheel or key
// on the page, is never held; outside these holds nothing is (terrain, base map, the first load).
export const FLUSH_MS = 1000;

export class MapUpdates {
  /** `map`: a MapLibre map; `ready`: resolved once its sources exist. */
  constructor(map, ready) {
    this.map = map;
    this.ready = ready;
    this.pending = new Map(); // source id -> its data, or a function that makes it at the flush
    this.last = -Infinity; // when the last flush was (performance.now())
    this.timer = null;
    this.frame = null;
    this.loading = null; // the sources of the flush whose new tiles are not all in yet
    this.release = null; // the timer that ends a hold at FLUSH_MS whatever is still loading
    this.held = 0; // redraws held (the bench counts them)
    this.heldRedraw = false; // a redraw was asked for while held
    this.workingUntil = -Infinity; // an operator's input: no hold until then
    const redraw = map.triggerRepaint.bind(map);
    this.redraw = redraw;
    map.triggerRepaint = () => this.pace();
    map.on('sourcedata', (e) => this.loaded(e));
    for (const type of ['pointerdown', 'wheel', 'keydown', 'input']) {
      document.addEventListener(type, () => this.working(), { capture: true, passive: true });
    }
  }

  /** An operator is working the map or the panels: redraws go at once for FLUSH_MS. */
  working() {
    this.workingUntil = performance.now() + FLUSH_MS;
    this.endHold();
  }

  /** Whether redraws are held now (a test waits until they are not). */
  get waiting() {
    return this.loading !== null;
  }

  /** MapLibre asks for a redraw: now, or once the flush being loaded is all in. */
  pace() {
    if (this.loading === null || performance.now() < this.workingUntil || this.map.isMoving()) {
      this.redraw();
      return;
    }
    this.held += 1;
    this.heldRedraw = true;
  }

  /** A source's data event: the hold ends when every flushed source has its new tiles. */
  loaded(e) {
    if (this.loading === null || !this.loading.has(e.sourceId)) return;
    const state = this.loading.get(e.sourceId);
    if (e.sourceDataType === 'content') this.loading.set(e.sourceId, 'announced');
    if ((state === 'announced' || e.sourceDataType === 'content') && this.map.isSourceLoaded(e.sourceId)) {
      this.loading.delete(e.sourceId);
      if (this.loading.size === 0) this.endHold();
    }
  }

  /** Hold redraws until the sources `ids` have their new tiles, and FLUSH_MS at most. */
  hold(ids) {
    if (this.loading === null) {
      this.loading = new Map();
      this.release = setTimeout(() => this.endHold(), FLUSH_MS);
    }
    for (const id of ids) this.loading.set(id, 'set');
  }

  /** Draw what was held, once; what that frame asks for next (MapLibre asks for a frame more after
   * new symbols) waits for the next flush, or FLUSH_MS at most. */
  endHold() {
    clearTimeout(this.release);
    this.release = null;
    this.loading = null;
    if (this.heldRedraw) {
      this.heldRedraw = false;
      this.redraw();
      if (performance.now() >= this.workingUntil) this.hold([]);
    }
  }

  /** Set source `id` to `data` (or what `data()` gives then) at the next flush; `now`: in the next frame. */
  set(id, data, { now = false } = {}) {
    this.pending.set(id, data);
    if (now) {
      this.working();
      clearTimeout(this.timer);
      this.timer = null;
      this.last = -Infinity;
    }
    this.schedule();
  }

  schedule() {
    if (this.frame !== null || this.timer !== null) return;
    const wait = this.last + FLUSH_MS - performance.now();
    const go = () => {
      this.timer = null;
      this.frame = requestAnimationFrame(() => this.flush());
    };
    if (wait > 0) this.timer = setTimeout(go, wait);
    else go();
  }

  flush() {
    this.frame = null;
    this.last = performance.now();
    const batch = [...this.pending];
    this.pending.clear();
    this.ready.then(() => {
      const set = batch.filter(([id]) => this.map.getSource(id));
      for (const [id, data] of batch) {
        if (!this.map.getSource(id) && !this.pending.has(id)) this.set(id, data); // no layer yet: next time
      }
      if (!set.length) return;
      if (performance.now() >= this.workingUntil) this.hold(set.map(([id]) => id)); // the data made below included
      for (const [id, data] of set) this.map.getSource(id).setData(typeof data === 'function' ? data() : data);
    });
  }
}
