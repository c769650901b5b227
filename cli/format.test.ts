// Console text helpers: the line tokenizer (words, quotes, escapes, and
// comments: a `#` that starts a word outside quotes runs to the end of the
// line), words with their quoting, wrapping at spaces, and the help table
// wrapped to a width (the description column beside the commands, a usage
// too long for its column on lines of its own).

import { describe, expect, it } from 'vitest';
import { ConsoleSession } from './console.js';
import { describeError, tokenize, tokenizeWords, wrap, wrapTable } from './format.js';

describe('tokenize', () => {
  it('splits words and groups quoted text', () => {
    expect(tokenize('write /mnt/a "two words" x')).toEqual(['write', '/mnt/a', 'two words', 'x']);
    expect(tokenize("echo '' b")).toEqual(['echo', '', 'b']);
  });

  it('drops a trailing comment: a # that starts a word outside quotes', () => {
    expect(tokenize('update simplefs@1.2.0 --dry-run      # the plan')).toEqual(['update', 'simplefs@1.2.0', '--dry-run']);
    expect(tokenize('ls #')).toEqual(['ls']);
    expect(tokenize('ls\t# tab before')).toEqual(['ls']);
    expect(tokenize('# only a comment')).toEqual([]);
    expect(tokenize('   #x y z')).toEqual([]);
  });

  it('keeps a # inside a word, quoted or escaped', () => {
    expect(tokenize('write /mnt/a a#b c# #')).toEqual(['write', '/mnt/a', 'a#b', 'c#']);
    expect(tokenize('echo "#1" \'# two\' \\#3')).toEqual(['echo', '#1', '# two', '#3']);
    expect(tokenize('echo ""#x')).toEqual(['echo', '#x']);
  });

  it('still refuses an unterminated quote before a comment', () => {
    expect(() => tokenize('echo "abc # not a comment')).toThrow(/unterminated quote/);
  });
});

describe('tokenizeWords', () => {
  it('says which words were quoted', () => {
    expect(tokenizeWords(`call f 12 "12" 'a b' x"y" ""`)).toEqual([
      { text: 'call', quoted: false },
      { text: 'f', quoted: false },
      { text: '12', quoted: false },
      { text: '12', quoted: true },
      { text: 'a b', quoted: true },
      { text: 'xy', quoted: true },
      { text: '', quoted: true },
    ]);
  });
});

describe('wrap', () => {
  it('breaks at spaces within the width and keeps a longer word whole', () => {
    expect(wrap('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
    expect(wrap('a /a/very/long/path b', 8)).toEqual(['a', '/a/very/long/path', 'b']);
    expect(wrap('short', 80)).toEqual(['short']);
  });

  it('puts the description beside the first column, and below a first cell too wide for it', () => {
    const rows = [
      ['ls [PATH]', 'list a directory (type, size, name) and more words to wrap'],
      ['workload start [threads=N] [files=M] [seed=S] | stop', 'the verifying workload'],
    ] as const;
    expect(wrapTable(['command', 'what it does'], rows, 40)).toEqual([
      'command    what it does',
      'ls [PATH]  list a directory (type, size,',
      '           name) and more words to wrap',
      'workload start [threads=N] [files=M]',
      '  [seed=S] | stop',
      '           the verifying workload',
    ]);
  });
});

describe('help in the console', () => {
  it('wraps to the session width (80 unless a terminal says otherwise), and names close commands', async () => {
    const lines: string[] = [];
    const s = ConsoleSession.boot({ seed: 1 }, (l) => lines.push(l));
    await s.exec('help');
    expect(lines.length).toBeGreaterThan(s.commands.size);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    for (const name of s.commands.keys()) expect(lines.some((l) => l.startsWith(`${name} `) || l === name)).toBe(true);
    lines.length = 0;
    s.width = 60;
    await s.exec('help update');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(60);
    expect(lines[0]).toMatch(/^usage: update /);
    expect(describeError(await s.exec('instmod kmsg').catch((e: unknown) => e))).toBe("EINVAL: unknown command 'instmod' (did you mean insmod? type 'help' for the list of commands)");
    expect(describeError(await s.exec('help rmod').catch((e: unknown) => e))).toBe("EINVAL: unknown command 'rmod' (did you mean rmmod? type 'help' for the list of commands)");
  });
});
