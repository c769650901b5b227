// What modinfo shows of a module's state: small snapshots whole, large ones
// cut short with their length, so one line stays readable.

import { describe, expect, it } from 'vitest';
import { stateText } from './module-commands.js';

describe('modinfo state text', () => {
  it('shows a small state whole and cuts a large one, giving its length', () => {
    expect(stateText({ a: 1, b: [1, 2] })).toBe('{"a":1,"b":[1,2]}');
    const big = { xs: Array.from({ length: 200 }, (_, i) => i) };
    const t = stateText(big);
    expect(t.length).toBeLessThan(300);
    expect(t).toMatch(new RegExp(`\\.\\.\\. \\(${JSON.stringify(big).length} characters\\)$`));
  });
});
