// The disk: asynchronous completion by interrupt, data placement, and the
// injected faults (EIO on a sector, a request that never completes).

import { describe, expect, it } from 'vitest';
import { type DiskCompletion, SECTOR_SIZE } from './disk.js';
import { IRQ_DISK0, Machine } from './machine.js';

function setup() {
  const m = new Machine({ seed: 4, diskSectors: 64 });
  const done: DiskCompletion[] = [];
  m.irq.attach(IRQ_DISK0, (_l, p) => done.push(p as DiskCompletion));
  return { m, disk: m.disks[0]!, done };
}

describe('Disk', () => {
  it('writes then reads a sector, completing each request by interrupt after some latency', () => {
    const { m, disk, done } = setup();
    const data = new Uint8Array(SECTOR_SIZE).fill(7);
    const w = disk.submit('write', 3, 1, data);
    data.fill(0); // the disk copied the data at submit
    expect(done).toEqual([]);
    m.events.runUntil(100_000);
    expect(done).toEqual([{ id: w, status: 'ok' }]);
    const buf = new Uint8Array(SECTOR_SIZE);
    const r = disk.submit('read', 3, 1, buf);
    const t0 = m.now;
    m.events.runUntil(t0 + 100_000);
    expect(done[1]).toEqual({ id: r, status: 'ok' });
    expect(buf.every((b) => b === 7)).toBe(true);
    expect(disk.peek(3).every((b) => b === 7)).toBe(true);
  });

  it('fails requests on an injected bad sector with EIO and leaves the data alone', () => {
    const { m, disk, done } = setup();
    disk.injectError(5);
    disk.submit('write', 4, 2, new Uint8Array(2 * SECTOR_SIZE).fill(1));
    m.events.runUntil(100_000);
    expect(done[0]!.status).toBe('EIO');
    expect(disk.peek(4, 2).every((b) => b === 0)).toBe(true);
    expect(disk.errors).toBe(1);
  });

  it('never completes a hung request', () => {
    const { m, disk, done } = setup();
    disk.injectHang(1);
    disk.submit('read', 0, 1, new Uint8Array(SECTOR_SIZE));
    disk.submit('read', 1, 1, new Uint8Array(SECTOR_SIZE));
    m.events.runUntil(10_000_000);
    expect(done).toHaveLength(1);
    expect(disk.queued).toBe(1);
  });

  it('aborts a stalled request, which then never completes nor writes; a request it is answering cannot be aborted', () => {
    const { m, disk, done } = setup();
    disk.injectHang(2);
    const a = disk.submit('write', 2, 1, new Uint8Array(SECTOR_SIZE).fill(9));
    const b = disk.submit('write', 3, 1, new Uint8Array(SECTOR_SIZE).fill(8));
    expect(disk.stalled).toBe(2);
    expect(disk.abort(a)).toBe(true);
    expect(disk.abort(a)).toBe(false); // gone already
    expect(disk.stalled).toBe(1);
    expect(disk.release()).toBe(1); // only b is left to release
    expect(disk.abort(b)).toBe(false); // released: the disk is answering it
    m.events.runUntil(10_000_000);
    expect(done).toEqual([{ id: b, status: 'ok' }]);
    expect(disk.peek(2).every((x) => x === 0)).toBe(true);
    expect(disk.peek(3).every((x) => x === 8)).toBe(true);
    expect(disk.queued).toBe(0);
    expect(disk.aborted).toBe(1);
  });

  it('refuses requests outside the disk or with a wrong buffer', () => {
    const { disk } = setup();
    expect(() => disk.submit('read', 64, 1, new Uint8Array(SECTOR_SIZE))).toThrow(RangeError);
    expect(() => disk.submit('read', 0, 1, new Uint8Array(10))).toThrow(RangeError);
  });
});
