// Tab completion for the interactive console: the first word is a command;
// the others are what the command says they are (Command.complete): module
// names (loaded, or in the histories) and after `NAME@` their versions,
// paths on the machine (read with readdir and stat syscalls from a user
// thread, as `ls` reads them), or words the command lists. The answer has
// readline's completer shape: the candidates and the word they replace.

import type { ArgKind, Session } from './session.js';

/** Candidates for the last word of `line` (the text before the cursor), and that word. */
export function completeLine(s: Session, line: string): [string[], string] {
  const words = line.trimStart().split(/\s+/);
  const word = words[words.length - 1]!;
  const position = words.length - 1;
  if (position === 0) return finish(matching(word, [...s.commands.keys()]), word);
  const cmd = s.commands.get(words[0]!);
  const kind = cmd?.complete?.[position - 1] ?? (cmd && position > (cmd.complete?.length ?? 0) ? cmd.completeRest : undefined);
  if (kind === undefined || word.startsWith('-')) return [[], word];
  return finish(candidates(s, kind, word), word, kind !== 'module' || word.includes('@'));
}

/** One candidate that ends a word gets a space after it, as a shell does; a directory, or a module name that a version may follow, does not end it. */
function finish(hits: string[], word: string, ends = true): [string[], string] {
  if (hits.length === 1 && ends && !hits[0]!.endsWith('/')) return [[`${hits[0]} `], word];
  return [hits, word];
}

function matching(word: string, all: Iterable<string>): string[] {
  return [...new Set(all)].filter((c) => c.startsWith(word)).sort();
}

function candidates(s: Session, kind: ArgKind, word: string): string[] {
  if (typeof kind === 'function') return matching(word, kind(s));
  if (typeof kind !== 'string') return matching(word, kind as readonly string[]);
  switch (kind) {
    case 'command':
      return matching(word, s.commands.keys());
    case 'module':
    case 'loaded': {
      const at = word.indexOf('@');
      if (at < 0) {
        const names = matching(word, s.moduleNames(kind === 'loaded' ? 'loaded' : 'all'));
        // A module named in full (the second Tab): its versions.
        if (kind === 'module' && names.length === 1 && names[0] === word) return s.moduleVersions(word).map((v) => `${word}@${v}`);
        return names;
      }
      if (kind === 'loaded') return [];
      const name = word.slice(0, at);
      return matching(word, s.moduleVersions(name).map((v) => `${name}@${v}`));
    }
    case 'path':
      return paths(s, word);
  }
}

/** Entries of the directory `word` is in that start with its last part; directories end in `/`. Nothing if it cannot be read. */
function paths(s: Session, word: string): string[] {
  if (!word.startsWith('/')) return '/'.startsWith(word) ? ['/'] : [];
  const slash = word.lastIndexOf('/');
  const dir = word.slice(0, slash + 1);
  const prefix = word.slice(slash + 1);
  try {
    const found = s.sysNow('complete', function* (sys) {
      const out: string[] = [];
      for (const name of yield* sys.readdir(dir)) {
        if (!name.startsWith(prefix)) continue;
        const st = yield* sys.stat(`${dir}${name}`);
        out.push(`${dir}${name}${st.type === 'dir' ? '/' : ''}`);
      }
      return out;
    });
    return found.sort();
  } catch {
    return [];
  }
}
