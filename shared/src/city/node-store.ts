/**
 * Every node of an extract: id and position in typed arrays (16 bytes a node), looked up by id with
 * a binary search. Extracts list nodes sorted by id; an unsorted file is sorted once, on first lookup.
 */
export class NodeStore {
  private ids = new Float64Array(1 << 16);
  private lats = new Int32Array(1 << 16);
  private lngs = new Int32Array(1 << 16);
  private count = 0;
  private sorted = true;

  get size(): number {
    return this.count;
  }

  add(id: number, lat: number, lng: number): void {
    if (this.count === this.ids.length) this.grow();
    const i = this.count++;
    if (i > 0 && id <= (this.ids[i - 1] ?? 0)) this.sorted = false;
    this.ids[i] = id;
    // 1e-7 degree (1 cm), OSM's own precision.
    this.lats[i] = Math.round(lat * 1e7);
    this.lngs[i] = Math.round(lng * 1e7);
  }

  /** The slot of a node id, or -1 when the extract does not have it. */
  slot(id: number): number {
    if (!this.sorted) this.sort();
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid] ?? 0;
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  lat(slot: number): number {
    return (this.lats[slot] ?? 0) / 1e7;
  }

  lng(slot: number): number {
    return (this.lngs[slot] ?? 0) / 1e7;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const ids = new Float64Array(n);
    ids.set(this.ids);
    const lats = new Int32Array(n);
    lats.set(this.lats);
    const lngs = new Int32Array(n);
    lngs.set(this.lngs);
    this.ids = ids;
    this.lats = lats;
    this.lngs = lngs;
  }

  private sort(): void {
    const order = Array.from({ length: this.count }, (_, i) => i).sort(
      (a, b) => (this.ids[a] ?? 0) - (this.ids[b] ?? 0),
    );
    this.ids = Float64Array.from(order, (i) => this.ids[i] ?? 0);
    this.lats = Int32Array.from(order, (i) => this.lats[i] ?? 0);
    this.lngs = Int32Array.from(order, (i) => this.lngs[i] ?? 0);
    this.sorted = true;
  }
}
