// Every update of the map's live sources (tracks, alerts, incidents, sites) goes through one
// MapUpdates: each source's newest data waits for the next flush, and flushes come at most once
// per FLUSH_MS, every waiting source in the same frame. A setData re-tiles its source in
// MapLibre's worker and each tile that comes back redraws the map; where WebGL is drawn on the CPU
// a redraw is what costs (bench/console.py), so the redraws a second stay bounded whatever the
// rate of changes. What an operator does (select an alert, move the time slider) goes at once.
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
  }

  /** Set source `id` to `data` (or what `data()` gives then) at the next flush; `now`: in the next frame. */
  set(id, data, { now = false } = {}) {
    this.pending.set(id, data);
    if (now) {
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
      for (const [id, data] of batch) {
        const source = this.map.getSource(id);
        if (source) source.setData(typeof data === 'function' ? data() : data);
        else if (!this.pending.has(id)) this.set(id, data); // its layer is not added yet: next time
      }
    });
  }
}
