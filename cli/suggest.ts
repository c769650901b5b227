// "Did you mean": the known words closest to one a user mistyped (a command,
// an option, a symbol), by edit distance with transpositions, so that the
// error for `instmod` or `--stratgy` can name what was meant.

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidates close enough to `word` to be what was meant: those the
 * fewest edits away, if that is at most about a third of the word; else
 * those that start with it (an abbreviation). At most `most`, sorted.
 */
export function closeMatches(word: string, candidates: Iterable<string>, most = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best = limit + 1;
  let near: string[] = [];
  const prefixed: string[] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const d = editDistance(word, c);
    if (d < best) [best, near] = [d, [c]];
    else if (d === best) near.push(c);
    if (word.length >= 2 && c.startsWith(word)) prefixed.push(c);
  }
  return (near.length > 0 ? near : prefixed).sort().slice(0, most);
}

/** `did you mean X?` (or `X or Y`) for the hint of an error, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const m = closeMatches(word, candidates, 2);
  return m.length === 0 ? '' : `did you mean ${m.join(' or ')}?`;
}
