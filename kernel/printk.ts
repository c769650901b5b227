// The kernel log. Lines go to the character device registered as
// `chrdev:kmsg` (the kmsg module) through its `write` operation. Until such a
// device exists, lines wait in a small boot buffer, which is replayed into
// the device when it registers, as Linux replays its early log.

import { callOpPlain, type OpsRegistry } from './ops.js';

const EARLY_LIMIT = 256;

export class KernelLog {
  private early: string[] = [];
  /** Lines dropped because the boot buffer was full. */
  dropped = 0;

  constructor(
    private readonly ops: OpsRegistry,
    private readonly now: () => number,
  ) {}

  printk(text: string): void {
    const line = `[${String(this.now()).padStart(10)}] ${text}`;
    const dev = this.ops.get('chrdev', 'kmsg');
    if (dev && !dev.slots.write?.generator) {
      try {
        callOpPlain(dev, 'write', new TextEncoder().encode(line));
        return;
      } catch {
        this.dropped++; // a broken log device must not take the kernel down: keep the line
      }
    }
    if (this.early.length >= EARLY_LIMIT) {
      this.early.shift();
      this.dropped++;
    }
    this.early.push(line);
  }

  /** Replay the boot buffer into a newly registered kmsg device. */
  flush(): void {
    const dev = this.ops.get('chrdev', 'kmsg');
    if (!dev || dev.slots.write?.generator) return;
    const lines = this.early;
    this.early = [];
    for (const line of lines) callOpPlain(dev, 'write', new TextEncoder().encode(line));
  }

  /** Lines not yet handed to a device. */
  pending(): readonly string[] {
    return this.early;
  }
}
