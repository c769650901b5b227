// The console's line tokenizer: words, quotes, escapes, and comments (a `#`
// that starts a word outside quotes runs to the end of the line).

import { describe, expect, it } from 'vitest';
import { tokenize } from './format.js';

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
