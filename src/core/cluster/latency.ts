/** Recent latencies of one server: a sliding window for the median and an EWMA for routing. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  private ewmaValue?: number;

  constructor(
    private readonly size = 128,
    private readonly alpha = 0.2,
  ) {}

  add(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    this.ewmaValue = this.ewmaValue === undefined ? ms : this.alpha * ms + (1 - this.alpha) * this.ewmaValue;
  }

  get ewma(): number | undefined {
    return this.ewmaValue;
  }

  get p50(): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
