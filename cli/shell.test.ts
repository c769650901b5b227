// The interactive console: its history file, what it prints when standard
// input is a pipe, and a real terminal session driven through a
// pseudo-terminal with tmux (Tab completion, history recalled from an
// earlier session, Ctrl-C at the prompt keeping the machine, Ctrl-D). CI
// machines without tmux skip the terminal tests and say so.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyPath, loadHistory, saveHistory } from './shell.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'livemod-shell-'));

describe('history file', () => {
  it('is ~/.livemod_history unless LIVEMOD_HISTORY names another (empty: none)', () => {
    expect(historyPath({})).toBe(join(homedir(), '.livemod_history'));
    expect(historyPath({ LIVEMOD_HISTORY: '/tmp/h' })).toBe('/tmp/h');
    expect(historyPath({ LIVEMOD_HISTORY: '' })).toBeNull();
  });

  it('keeps the oldest line first in the file and gives readline the newest first', () => {
    const file = join(dir, 'h1');
    saveHistory(file, ['lsmod', 'insmod kmsg']);
    expect(readFileSync(file, 'utf8')).toBe('insmod kmsg\nlsmod\n');
    expect(loadHistory(file)).toEqual(['lsmod', 'insmod kmsg']);
  });

  it('starts empty without a file, and goes on when the file cannot be written', () => {
    expect(loadHistory(join(dir, 'none'))).toEqual([]);
    expect(() => saveHistory(join(dir, 'no', 'such', 'dir'), ['x'])).not.toThrow();
  });
});

describe('livemod shell reading a pipe', () => {
  it('prints no prompt or banner, only what the commands print, and names close commands', () => {
    const r = spawnSync(process.execPath, [BIN, 'shell'], { input: 'insmod kmsg\nlsmdo\nlsmod\n', encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '', LIVEMOD_HISTORY: join(dir, 'piped') } });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('livemod>');
    expect(r.stdout.split('\n')[0]).toBe('kmsg 2.0.0 loaded');
    expect(r.stdout).toMatch(/^kmsg\s+2\.0\.0/m);
    expect(r.stderr).toBe("error: EINVAL: unknown command 'lsmdo' (did you mean lsmod? type 'help' for the list of commands)\n");
  });
});

describe('SIGINT to livemod shell reading a pipe', () => {
  it('interrupts a long tick under load with ECANCELED; the session goes on and the workload verifies every byte', async () => {
    const p = spawn(process.execPath, [BIN, 'shell'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LIVEMOD_DEBUG: '', LIVEMOD_HISTORY: '' } });
    let out = '';
    let errs = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (errs += d.toString()));
    const until = async (what: () => boolean, ms = 20_000) => {
      const end = Date.now() + ms;
      while (!what()) {
        if (Date.now() > end) throw new Error(`timed out; stdout:\n${out}\nstderr:\n${errs}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    p.stdin.write('insmod kmsg\ninsmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt\nworkload start\ntick 1G\n');
    await until(() => out.includes('workload started'));
    await new Promise((r) => setTimeout(r, 300)); // well into the tick, which would take minutes
    p.kill('SIGINT');
    await until(() => errs.includes('ECANCELED'));
    expect(errs).toMatch(/^error: ECANCELED: tick interrupted \(Ctrl-C\) at t=\d+ \(the machine stopped between two events, consistent; go on with the next command\)\n$/);
    p.stdin.end('workload stop\n');
    const code = await new Promise((r) => p.on('exit', r));
    expect(code).toBe(0);
    expect(out).toMatch(/^verified \d+ files, \d+ bytes: all correct$/m);
  }, 60_000);
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.log('cli/shell.test.ts: tmux is not installed, so the terminal session tests are skipped');

describe.skipIf(!hasTmux)('livemod shell in a terminal (tmux)', () => {
  const socket = `livemod-test-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  afterAll(() => {
    tmux('kill-server'); // the private server this test started, on its own socket
  });

  const history = join(dir, 'tmux-history');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const start = (name: string) => {
    const r = tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', `env LIVEMOD_HISTORY=${q(history)} LIVEMOD_DEBUG= ${q(process.execPath)} ${q(BIN)} shell`);
    expect(r.status, r.stderr).toBe(0);
  };
  const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k);
  const screen = (name: string) => tmux('capture-pane', '-p', '-t', name).stdout;
  /** Wait until the screen matches; fail showing the screen. */
  const waitFor = async (name: string, pattern: RegExp, ms = 15_000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const text = screen(name);
      if (pattern.test(text)) return text;
      if (Date.now() > end) throw new Error(`screen of ${name} never matched ${pattern}:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const gone = async (name: string) => {
    const end = Date.now() + 15_000;
    while (tmux('has-session', '-t', name).status === 0) {
      if (Date.now() > end) throw new Error(`${name} did not exit:\n${screen(name)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Send `k` and wait until the screen shows `then`. */
  const press = (name: string, k: string[], then: RegExp) => {
    keys(name, ...k);
    return waitFor(name, then);
  };

  it('completes a command with Tab, survives Ctrl-C at the prompt with the machine intact, and leaves on Ctrl-D', async () => {
    writeFileSync(history, '');
    start('first');
    await waitFor('first', /^livemod>$/m);
    await press('first', ['ins'], /^livemod> ins$/m);
    await press('first', ['Tab'], /^livemod> insmod$/m); // Tab alone, or readline takes it for pasted text
    await press('first', ['kmsg', 'Enter'], /^kmsg 2\.0\.0 loaded$/m);
    await press('first', ['rmmod km'], /^livemod> rmmod km$/m);
    await press('first', ['C-c'], /^livemod> \^C\nlivemod>$/m);
    expect(await press('first', ['lsmod', 'Enter'], /^kmsg\s+2\.0\.0\s/m)).not.toMatch(/kmsg unloaded/);
    keys('first', 'C-d');
    await gone('first');
    expect(readFileSync(history, 'utf8')).toBe('insmod kmsg\nlsmod\n');
  });

  it('Ctrl-C interrupts a long tick and the prompt comes back; at an empty prompt it hints, and a second press leaves', async () => {
    writeFileSync(history, '');
    start('third');
    await waitFor('third', /^livemod>$/m);
    await press('third', ['insmod kmsg', 'Enter'], /^kmsg 2\.0\.0 loaded$/m);
    await press('third', ['insmod blkdev', 'Enter'], /^blkdev 2\.0\.0 loaded$/m);
    await press('third', ['insmod simplefs', 'Enter'], /^simplefs 3\.0\.0 loaded$/m);
    await press('third', ['mount simplefs disk0 /mnt', 'Enter'], /mount simplefs disk0 \/mnt\nlivemod>$/m);
    await press('third', ['workload start', 'Enter'], /^workload started/m);
    keys('third', 'tick 1G', 'Enter');
    await new Promise((r) => setTimeout(r, 300));
    await press('third', ['C-c'], /^error: ECANCELED: tick interrupted \(Ctrl-C\) at t=\d+/m);
    await press('third', ['workload stop', 'Enter'], /^verified \d+ files, \d+ bytes: all correct$/m);
    await press('third', ['C-c'], /^\(To exit, press Ctrl-C again or Ctrl-D or type exit\)$/m);
    keys('third', 'C-c');
    await gone('third');
  });

  it('recalls with Up a command typed in an earlier session', async () => {
    writeFileSync(history, 'insmod blkdev\nlsmod\n');
    start('second');
    await waitFor('second', /^livemod>$/m);
    await press('second', ['Up'], /^livemod> lsmod$/m);
    await press('second', ['Up'], /^livemod> insmod blkdev$/m);
    await press('second', ['Enter'], /^blkdev 2\.0\.0 loaded$/m);
    keys('second', 'exit', 'Enter');
    await gone('second');
  });
});
