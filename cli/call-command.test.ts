// `call`: a module's exported symbol called from the console through its
// slot's stub, from a user thread; its arguments, what it prints, and the
// errors (an unknown symbol, a KernelError from the callee, a module bug).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatValue, parseArgument } from './call-command.js';
import { ConsoleSession } from './console.js';
import { describeError } from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'livemod-call-'));
const PROBE = join(dir, 'probe.ts');
writeFileSync(
  PROBE,
  `import { defineModule, err, type Ctx, type KGen } from 'livemod/module';
   function* nap(m: Ctx, cycles: number): KGen<Uint8Array> { yield* m.k.sleep(cycles); return new TextEncoder().encode('slept ' + cycles); }
   export default defineModule({ name: 'probe', version: '1.0.0', description: 'things to call',
     exports: {
       probe_echo: { version: 1, fn: (_m: Ctx, ...args: unknown[]) => args },
       probe_echo_v2: { version: 2, fn: (_m: Ctx, a: unknown) => ({ v: 2, a }) },
       probe_nap: { version: 1, fn: nap },
       probe_bytes: { version: 1, fn: () => new Uint8Array([0, 1, 0xfe, 0xff]) },
       probe_refuse: { version: 1, fn: (_m: Ctx, what: string) => { throw err('EPERM', 'probe refuses ' + what, 'ask nicely'); } },
       probe_bug: { version: 1, fn: () => { throw new TypeError('cannot read x of undefined'); } },
     } });`,
);

async function session() {
  const lines: string[] = [];
  const s = ConsoleSession.boot({ seed: 1 }, (l) => lines.push(l));
  await s.exec('insmod kmsg');
  await s.exec(`insmod ${PROBE}`);
  lines.length = 0;
  const fail = (line: string) => s.exec(line).then(() => 'succeeded', describeError);
  return { s, lines, fail };
}

describe('call', () => {
  it('calls a plain export through its stub, counting the call, with numbers, booleans and quoted strings', async () => {
    const { s, lines } = await session();
    const slot = s.k.symbols.get('probe_echo@1')!;
    await s.exec(`call probe_echo 1 -2.5 0x10 true false "12" 'two words'`);
    expect(lines).toEqual(['[1,-2.5,16,true,false,"12","two words"]']);
    expect(slot.calls).toBe(1);
  });

  it('runs a generator export inside a user thread, which may block, and prints a Uint8Array as text or hex', async () => {
    const { s, lines } = await session();
    const t0 = s.k.now;
    await s.exec('call probe_nap 5000');
    await s.exec('call probe_bytes');
    expect(lines).toEqual(['Uint8Array(10) "slept 5000"', 'Uint8Array(4) 00 01 fe ff']);
    expect(s.k.now - t0).toBeGreaterThanOrEqual(5000);
  });

  it('takes name@N for one interface, and a bare name at its newest', async () => {
    const { s, lines } = await session();
    await s.exec('call kmsg_append "from the console"');
    await s.exec('call kmsg_read@1 0');
    expect(lines[0]).toMatch(/^\d+$/);
    expect(lines[1]).toMatch(/^\{"seq":0,"text":".*livemod kernel/);
  });

  it('names the errno and what to do: unknown symbols with close matches, bad arguments, a KernelError from the callee, a module bug', async () => {
    const { s, fail } = await session();
    expect(await fail('call probe_eco 1')).toBe("ENOENT: no loaded module exports 'probe_eco' (did you mean probe_echo?)");
    expect(await fail('call probe_echo@3')).toBe('ENOENT: no symbol probe_echo@3 (probe_echo is exported as probe_echo@1)');
    expect(await fail('call nothing_like_this')).toBe("ENOENT: no loaded module exports 'nothing_like_this' (modinfo NAME lists what a module exports)");
    expect(await fail('call probe_nap')).toBe('EINVAL: probe_nap@1 (probe 1.0.0) takes 1 argument, got 0 (usage: call SYMBOL[@N] [ARGS...])');
    expect(await fail('call probe_echo disk0')).toBe(`EINVAL: argument 'disk0' is not a number, true, false or a quoted string (quote a string: "disk0")`);
    expect(await fail('call')).toMatch(/^EINVAL: call needs a symbol/);
    expect(await fail('call probe_refuse "this"')).toBe('EPERM: probe refuses this (ask nicely)');
    expect(await fail('call probe_bug')).toBe('EIO: probe_bug@1 failed inside probe 1.0.0: cannot read x of undefined (the module has a bug; dmesg shows the oops)');
    expect(s.k.stats.oopses).toBe(1);
    expect(s.kernelLog().some((l) => l.includes('oops in call probe_bug@1: cannot read x of undefined'))).toBe(true);
    // the machine goes on
    expect(await fail('call probe_echo 1')).toBe('succeeded');
  });
});

describe('call arguments and results', () => {
  it('reads a quoted word as a string and a bare one as a number or boolean', () => {
    expect(parseArgument({ text: '12', quoted: false })).toBe(12);
    expect(parseArgument({ text: '12', quoted: true })).toBe('12');
    expect(parseArgument({ text: '1_000', quoted: false })).toBe(1000);
    expect(parseArgument({ text: 'true', quoted: true })).toBe('true');
    expect(() => parseArgument({ text: 'tru', quoted: false })).toThrow(/argument 'tru' is not/);
  });

  it('prints plain data as JSON, long objects over several lines, and what JSON cannot show inline', () => {
    expect(formatValue(undefined)).toBe('(no value)');
    expect(formatValue(null)).toBe('null');
    expect(formatValue('a\nb')).toBe('"a\\nb"');
    expect(formatValue(10n)).toBe('10n');
    expect(formatValue({ buf: new TextEncoder().encode('hi\n'), m: new Map([[1, 2]]) })).toBe('{"buf":"Uint8Array(3) \\"hi\\\\n\\"","m":"Map(1)"}');
    expect(formatValue(new Uint8Array(300).fill(0x41))).toBe(`Uint8Array(300) "${'A'.repeat(256)}" ... (300 bytes)`);
    expect(formatValue({ text: 'x'.repeat(120), n: 1 }).split('\n')).toEqual(['{', `  "text": "${'x'.repeat(120)}",`, '  "n": 1', '}']);
  });
});
