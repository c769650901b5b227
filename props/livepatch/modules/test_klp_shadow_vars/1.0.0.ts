// test_klp_shadow_vars 1.0.0 (test_modules/test_klp_shadow_vars.c): at init,
// exercise the shadow variable API on three instances and log every call
// and what it returned, in the passes of the Linux module:
// 1. get on an empty table finds nothing; for each instance, attach a
//    shadow under 0x1234 (get_or_alloc for the even ones, alloc for the odd)
//    and one under 0x1235 (alloc), each made by a constructor;
// 2. get finds each shadow, holding what its constructor gave it;
// 3. get_or_alloc of an existing shadow returns it, the constructor not run;
// 4. free each 0x1234 shadow (with a destructor); get finds none;
// 5. the 0x1235 shadows are still there;
// 6. free_all 0x1235; get finds none.
// Linux prints pointers as PTR<n> to be address-agnostic; here an instance
// is a record, printed as `objs[i]`, and a shadow is plain data, printed as
// what it holds. alloc is `set` (Linux's alloc refuses a second shadow
// under a key; set replaces it, and this test never makes a second), and
// the destructor is called before free, as Linux's free calls it. The
// module API's `m.shadow` is issue 11's; it is reached through a cast so
// that this file compiles before that API is merged.

import { defineModule, type Ctx } from 'livemod/module';

interface Instance { readonly table: string; readonly id: number }
interface Shadow { readonly points_to: string }
/** The shadow API this test exercises (kernel/shadow.ts's ModuleShadows). */
interface Shadows {
  get<T>(instance: Instance, key: string): Readonly<T> | undefined;
  getOrAlloc<T>(instance: Instance, key: string, ctor: () => T): Readonly<T>;
  set<T>(instance: Instance, key: string, data: T): Readonly<T>;
  free(instance: Instance, key: string): boolean;
  freeAll(key: string): number;
}

type M = Ctx<Record<string, never>>;

const NUM_OBJS = 3;
const SV_ID1 = '0x1234';
const SV_ID2 = '0x1235';
const obj = (i: number): Instance => ({ table: 'objs', id: i });
const name = (o: Instance) => `${o.table}[${o.id}]`;
const show = (sv: Shadow | undefined) => (sv ? `{points_to: ${sv.points_to}}` : 'NULL');

function exercise(m: M): void {
  const shadow = (m as unknown as { shadow: Shadows }).shadow;
  const log = (text: string) => m.k.printk(text);
  const ctor = (o: Instance, data: string) => (): Shadow => {
    log(`shadow_ctor: ${name(o)} -> ${data}`);
    return { points_to: data };
  };
  const get = (o: Instance, id: string) => {
    const sv = shadow.get<Shadow>(o, id);
    log(`klp_shadow_get(obj=${name(o)}, id=${id}) = ${show(sv)}`);
    return sv;
  };
  const alloc = (o: Instance, id: string, data: string) => {
    const sv = shadow.set<Shadow>(o, id, ctor(o, data)());
    log(`klp_shadow_alloc(obj=${name(o)}, id=${id}), ctor=shadow_ctor, ctor_data=${data} = ${show(sv)}`);
    return sv;
  };
  const getOrAlloc = (o: Instance, id: string, data: string) => {
    const sv = shadow.getOrAlloc<Shadow>(o, id, ctor(o, data));
    log(`klp_shadow_get_or_alloc(obj=${name(o)}, id=${id}), ctor=shadow_ctor, ctor_data=${data} = ${show(sv)}`);
    return sv;
  };
  const expectFound = (sv: Shadow | undefined, data: string) => {
    if (sv?.points_to === data) log(`  got expected ${show(sv)} result`);
  };
  const expectNull = (sv: Shadow | undefined) => {
    if (sv === undefined) log('  got expected NULL result');
  };

  for (let i = 0; i < NUM_OBJS; i++) m.records<{ n: number }>('objs').put(i, { n: i });
  expectNull(get(obj(0), SV_ID1));
  // pass 1: a pair of shadows for each instance
  for (let i = 0; i < NUM_OBJS; i++) {
    if (i % 2) alloc(obj(i), SV_ID1, `nfields1[${i}]`);
    else getOrAlloc(obj(i), SV_ID1, `nfields1[${i}]`);
    alloc(obj(i), SV_ID2, `nfields2[${i}]`);
  }
  // pass 2: each is found, holding what its constructor gave it
  for (let i = 0; i < NUM_OBJS; i++) {
    expectFound(get(obj(i), SV_ID1), `nfields1[${i}]`);
    expectFound(get(obj(i), SV_ID2), `nfields2[${i}]`);
  }
  // pass 3: get_or_alloc returns the shadow already there
  for (let i = 0; i < NUM_OBJS; i++) expectFound(getOrAlloc(obj(i), SV_ID1, `pndup[${i}]`), `nfields1[${i}]`);
  // pass 4: free the 0x1234 shadows, with a destructor
  for (let i = 0; i < NUM_OBJS; i++) {
    log(`shadow_dtor(obj=${name(obj(i))}, shadow_data=${show(shadow.get<Shadow>(obj(i), SV_ID1))})`);
    shadow.free(obj(i), SV_ID1);
    log(`klp_shadow_free(obj=${name(obj(i))}, id=${SV_ID1}, dtor=shadow_dtor)`);
    expectNull(get(obj(i), SV_ID1));
  }
  // pass 5: the 0x1235 shadows are still there
  for (let i = 0; i < NUM_OBJS; i++) expectFound(get(obj(i), SV_ID2), `nfields2[${i}]`);
  // pass 6: free them all at once
  shadow.freeAll(SV_ID2);
  log(`klp_shadow_free_all(id=${SV_ID2}, dtor=NULL)`);
  for (let i = 0; i < NUM_OBJS; i++) expectNull(get(obj(i), SV_ID2));
}

export default defineModule({
  name: 'test_klp_shadow_vars',
  version: '1.0.0',
  description: 'livepatch test: shadow variables',
  state: { schema: 1, initial: () => ({}) },
  records: { objs: 1 },
  init: exercise,
});
