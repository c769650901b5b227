// A small module for the shadow-variable tests (props/shadow.props.test.ts,
// updater/shadows.test.ts): a record table `items` and nothing else, in
// three versions: 1.0.0; 1.0.1, code only; 1.1.0, whose items gain a field
// (schema 1 -> 2, migrated eagerly or lazily). Each goes back to where it
// came from. What a test does with shadows it does through the context.

import { defineModule, type ModuleDef } from '../kernel/module.js';

export interface Item {
  readonly n: number;
}

export const TAGGER_V1 = defineModule({ name: 'tagger', version: '1.0.0', description: 'items to hang shadows on', records: { items: 1 } });

export const TAGGER_V101 = defineModule({ ...TAGGER_V1, version: '1.0.1', upgrade: { from: ['1.0.0'] }, downgrade: { to: ['1.0.0'] } });

export const TAGGER_V11 = defineModule({
  ...TAGGER_V1,
  version: '1.1.0',
  records: { items: 2 },
  upgrade: { from: ['1.0.0', '1.0.1'], instance: { items: (o: Item) => ({ ...o, twice: o.n * 2 }) } },
  downgrade: { to: ['1.0.0', '1.0.1'], instance: { items: ({ twice: _t, ...o }: Item & { twice: number }) => o } },
});

/** An item as the running version stores it. */
export const itemOf = (version: string, n: number): object => (version === '1.1.0' ? { n, twice: n * 2 } : { n });

/** A version of tagger that takes over from `from`, runs `init` in the switch and then fails there, so the update rolls back. */
export function failingTagger(from: string, init: NonNullable<NonNullable<ModuleDef['upgrade']>['init']>): ModuleDef {
  const base = from === '1.1.0' ? TAGGER_V11 : TAGGER_V1;
  return defineModule({
    ...base,
    version: '9.9.9',
    upgrade: {
      from: [from],
      init: (m) => {
        init(m);
        throw new Error('injected failure in upgrade.init');
      },
    },
  });
}
