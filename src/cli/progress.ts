/** One status line on stderr for long calls (only on a terminal); cleared when done. */
export class ProgressLine {
  private timer?: NodeJS.Timeout;
  private readonly started = Date.now();
  private chars = 0;
  private readonly enabled: boolean;

  constructor(private readonly label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
    this.stream = stream;
    if (this.enabled) {
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    }
  }

  private readonly stream: NodeJS.WriteStream;

  update(chars: number): void {
    this.chars = Math.floor(chars); // a step notification adds a fraction
  }

  private render(): void {
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const got = this.chars ? `, ${this.chars} chars received` : '';
    this.stream.write(`\r\x1b[2K${this.label} … ${secs}s${got}`);
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }
}
