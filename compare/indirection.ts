// What one call through each kernel's indirection costs, against calling the
// same function directly, on the wall clock: the procedural kernel's stub
// (a module importing a symbol another exports) and the twin's object
// translation table (a call to an object through its id). Both kernels are
// measured in one run, in alternating rounds, and the figure is the median
// extra nanoseconds per call.

import { bootKernel } from '../kernel/kernel.js';
import { Ott } from '../oo/ott.js';
import { median, timeMs } from './timing.js';

export interface IndirectionCost {
  /** ns per call through the indirection, and calling the same function directly. */
  readonly viaNs: number;
  readonly directNs: number;
  /** viaNs - directNs */
  readonly extraNs: number;
}

const add = (a: number, b: number) => a + b;

class Adder {
  add(a: number, b: number): number {
    return a + b;
  }
}

export function indirectionCost(calls = 1_000_000, rounds = 7): { procedural: IndirectionCost; oo: IndirectionCost } {
  const k = bootKernel({ seed: 1 });
  k.loader.insmod({ name: 'calc', version: '1.0.0', description: 'adds', exports: { calc_add: { version: 1, fn: (_m: unknown, a: number, b: number) => add(a, b) } } });
  k.loader.insmod({ name: 'calc_user', version: '1.0.0', description: 'imports calc_add', requires: { calc_add: 1 } });
  const stub = k.loader.require('calc_user').ctx.imports.calc_add! as (a: number, b: number) => number;
  const target = k.symbols.get('calc_add@1')!.target.call as (a: number, b: number) => number;
  const ott = new Ott(1, () => 0, () => {
    throw new Error('no adaptors here');
  });
  const obj = new Adder();
  const id = ott.register(obj, 1);
  let sink = 0;
  const time = (f: () => void) => (timeMs(f) * 1e6) / calls;
  const runs = { stub: [] as number[], target: [] as number[], ott: [] as number[], obj: [] as number[] };
  for (let r = 0; r < rounds + 1; r++) {
    const t = {
      stub: time(() => {
        for (let i = 0; i < calls; i++) sink += stub(i, 1);
      }),
      target: time(() => {
        for (let i = 0; i < calls; i++) sink += target(i, 1);
      }),
      ott: time(() => {
        for (let i = 0; i < calls; i++) sink += ott.callPlain(id, 'add', [i, 1]) as number;
      }),
      obj: time(() => {
        for (let i = 0; i < calls; i++) sink += obj.add(i, 1);
      }),
    };
    if (r === 0) continue; // warm-up
    for (const key of Object.keys(runs) as (keyof typeof runs)[]) runs[key].push(t[key]);
  }
  if (sink === 42) console.log(''); // keep the loops from being optimised away
  const cost = (via: number[], direct: number[]): IndirectionCost => ({ viaNs: median(via), directNs: median(direct), extraNs: median(via) - median(direct) });
  return { procedural: cost(runs.stub, runs.target), oo: cost(runs.ott, runs.obj) };
}
