// The uniform writes of bench/ptable.ts, each structure at each size in a
// process of its own: 12 runs of 200k writes, the median of the last 10
// (warmed up, collector in its steady state). bench/ptable.ts alternates
// the 1k and 1M structures in one process, so that load from other
// processes hits both alike; but there each run also pays part of the
// collection work the other left (a 1k run pays for collecting the 1M
// structure's garbage), which pulls the ratios toward 1. Apart, each pays
// only its own: the ratio of one structure, its heap alone.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../compare/timing.js';
import { UNIFORM_WRITES, type WriteCost } from './ptable.js';

const RUNS = 12;
const WARM = 2;
const WRITES = 200_000;

function oneProcess(kind: string, n: number): WriteCost {
  const run = UNIFORM_WRITES[kind]!(n);
  const costs: WriteCost[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = run(WRITES, i + 1);
    if (i >= WARM) costs.push(c);
  }
  return { wall: median(costs.map((c) => c.wall)), cpu: median(costs.map((c) => c.cpu)) };
}

function apart(kind: string, n: number): WriteCost {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', kind, String(n)], { encoding: 'utf8' });
  return JSON.parse(out) as WriteCost;
}

export function printPtableApart(): void {
  console.log('uniform writes, one structure and size per process, us per write, wall / CPU (median of 10 warm runs)');
  console.log(`  ${''.padEnd(26)}  ${'1k records'.padStart(13)}  ${'1M records'.padStart(13)}  ratio (<= 1.5)`);
  const pair = (c: WriteCost, d: number) => `${fmt(c.wall, d)} / ${fmt(c.cpu, d)}`;
  for (const kind of Object.keys(UNIFORM_WRITES)) {
    const small = apart(kind, 1_000);
    const large = apart(kind, 1_000_000);
    const ratio = { wall: large.wall / small.wall, cpu: large.cpu / small.cpu };
    console.log(`  ${kind.padEnd(26)}  ${pair(small, 3).padStart(13)}  ${pair(large, 3).padStart(13)}  ${pair(ratio, 2)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--one') console.log(JSON.stringify(oneProcess(process.argv[3]!, Number(process.argv[4]))));
  else printPtableApart();
}
