// The versioned schemas of every JSON report (`livemod demo --json`,
// `compare --json`, `run --json`, the console's `history --json` and
// `stat --json`, and the same objects from the API), as JSON Schema
// (draft 2020-12), and a small checker for the part of JSON Schema they use
// (type, const, enum, properties, required, additionalProperties, items,
// anyOf, $ref to $defs), so the tests and a user's scripts can check a
// report without another dependency. A schema's name ends in its version:
// a change that could break a reader gets a new number.

type Schema = { readonly [key: string]: unknown };

const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const strings = { type: 'array', items: str } as const;
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
/** An object with exactly these properties, all required. */
const obj = (properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((p) => !optional.includes(p)),
  additionalProperties: false,
});
const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });

/** Shapes several reports share. */
const DEFS: Record<string, Schema> = {
  error: obj({ errno: str, message: str, hint: nullable(str), text: str }),
  phase: obj({ phase: str, at: int, cycles: int, wallUs: num, detail: str }),
  update: obj({
    id: int,
    kind: { enum: ['update', 'revert'] },
    modules: { type: 'array', items: obj({ name: str, from: str, to: str }) },
    strategy: str,
    lazy: bool,
    timeout: nullable(int),
    signalAfter: nullable(int),
    reverseAfter: nullable(int),
    outcome: { enum: ['running', 'committed', 'aborted', 'refused', 'reversed', 'forced'] },
    error: nullable(ref('error')),
    startedAt: int,
    endedAt: nullable(int),
    waitCycles: int,
    heldCalls: int,
    heldCycles: int,
    stoppedCycles: int,
    pauseWallUs: num,
    syscallsDuring: int,
    migrated: int,
    pending: int,
    signalled: int,
    forcedThreads: { type: 'array', items: int },
    phases: { type: 'array', items: ref('phase') },
  }),
  workload: obj({
    config: obj({ threads: int, files: int, seed: int, root: str, maxSize: int, think: int, opsPerThread: int }),
    running: bool,
    ops: int,
    failed: int,
    failures: strings,
    startedAt: int,
    stoppedAt: nullable(int),
    verified: nullable(obj({ files: int, bytes: int, mismatches: strings })),
  }),
  versions: { type: 'object', additionalProperties: str },
  indirection: obj({ viaNs: num, directNs: num, extraNs: num }),
};

const document = (name: string, body: Schema): Schema => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://livemod.invalid/schemas/${name}`,
  title: name,
  ...body,
  $defs: DEFS,
});

const withSchema = (name: string, properties: Record<string, Schema>, optional: readonly string[] = []) => document(name, obj({ schema: { const: name }, ...properties }, optional));

export const SCHEMAS = {
  'livemod.history/3': withSchema('livemod.history/3', { updates: { type: 'array', items: ref('update') } }),
  'livemod.stat/2': withSchema(
    'livemod.stat/2',
    {
      kernel: { enum: ['modules', 'objects'] },
      time: int,
      cpus: { type: 'array', items: obj({ id: int, busyCycles: int }) },
      threads: obj({ live: int, steps: int, switches: int, preemptions: int }),
      syscalls: obj({ total: int, errors: int }),
      disks: { type: 'array', items: obj({ name: str, completed: int, errors: int, inFlight: int }) },
      interrupts: obj({ timer: int, disk0: int, lost: int }),
      mounts: { type: 'array', items: obj({ dev: str, path: str, fstype: str }) },
      openFiles: int,
      oopses: int,
      taint: obj({
        letters: str,
        flags: { type: 'array', items: obj({ flag: { enum: ['unsigned', 'out-of-tree', 'livepatched', 'forced', 'soft-lockup'] }, letter: str, at: int, reason: str }) },
      }),
      trace: obj({ hash: str, records: int }),
      modules: obj({ storeCommits: int, binding: str, signatures: obj({ required: bool, trustedKeys: strings }) }),
      objects: obj({ instances: { type: 'object', additionalProperties: int }, tableCalls: int, tableMisses: int, adaptors: int, generation: int, generationAdvances: int }),
    },
    ['modules', 'objects'],
  ),
  'livemod.demo/1': withSchema('livemod.demo/1', {
    ok: bool,
    seed: int,
    cpus: int,
    boot: strings,
    steps: {
      type: 'array',
      items: obj({
        n: int,
        what: str,
        spec: str,
        outcome: { enum: ['committed', 'aborted', 'refused', 'skipped'] },
        expected: bool,
        update: nullable(ref('update')),
        error: nullable(ref('error')),
        note: nullable(str),
      }),
    },
    workload: ref('workload'),
    lost: int,
    unexpected: int,
    recordsBehind: int,
    running: ref('versions'),
    trace: str,
  }),
  'livemod.compare/2': withSchema('livemod.compare/2', {
    ok: bool,
    seed: int,
    cpus: int,
    window: int,
    fineWindow: int,
    kernels: {
      type: 'array',
      items: obj({
        name: { enum: ['procedural', 'objects'] },
        syscallsPerMillionCycles: num,
        syscallsPerWallSecond: num,
        lost: int,
        steps: {
          type: 'array',
          items: obj({
            kind: str,
            spec: str,
            outcome: { enum: ['committed', 'aborted', 'refused', 'running'] },
            error: nullable(str),
            strategy: nullable(str),
            startedAt: int,
            endedAt: nullable(int),
            phases: { type: 'array', items: ref('phase') },
            throughput: { type: 'array', items: obj({ from: int, to: int, syscalls: int }) },
            waitCycles: int,
            pauseWallUs: num,
            heldCalls: int,
            syscallsDuring: int,
            authorLines: nullable(int),
          }),
        },
        samples: { type: 'array', items: obj({ at: int, syscalls: int }) },
        syscalls: int,
        cycles: int,
        wallMs: num,
        ops: int,
        failed: int,
        wrong: int,
        files: int,
        bytes: int,
        failures: strings,
        trace: str,
      }),
    },
    indirection: obj({ procedural: ref('indirection'), objects: ref('indirection') }),
  }),
  'livemod.run/1': withSchema(
    'livemod.run/1',
    {
      line: int,
      command: str,
      mustFail: bool,
      status: { enum: ['ok', 'failed as expected', 'failed', 'succeeded unexpectedly'] },
      output: strings,
      data: {},
      error: nullable(ref('error')),
    },
    ['data'],
  ),
} as const;

export type SchemaName = keyof typeof SCHEMAS;

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function matchesType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === t;
}

/**
 * Where `value` breaks `schema` (a name from SCHEMAS, or a schema object
 * using the subset above): one line per violation, naming its path. Empty
 * when it conforms.
 */
export function validate(schema: SchemaName | Schema, value: unknown): string[] {
  const root = (typeof schema === 'string' ? SCHEMAS[schema] : schema) as Schema;
  const defs = (root.$defs ?? {}) as Record<string, Schema>;
  const out: string[] = [];
  const check = (s: Schema, v: unknown, at: string): void => {
    if (typeof s.$ref === 'string') {
      const target = defs[s.$ref.replace('#/$defs/', '')];
      if (!target) out.push(`${at}: unknown $ref ${s.$ref}`);
      else check(target, v, at);
      return;
    }
    if (Array.isArray(s.anyOf)) {
      const fits = s.anyOf.some((alt) => {
        const before = out.length;
        check(alt as Schema, v, at);
        const ok = out.length === before;
        out.length = before;
        return ok;
      });
      if (!fits) out.push(`${at}: matches none of its alternatives (got ${JSON.stringify(v)?.slice(0, 60)})`);
      return;
    }
    if ('const' in s && v !== s.const) out.push(`${at}: must be ${JSON.stringify(s.const)}, got ${JSON.stringify(v)}`);
    if (Array.isArray(s.enum) && !s.enum.includes(v)) out.push(`${at}: must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}`);
    if (typeof s.type === 'string' && !matchesType(v, s.type)) {
      out.push(`${at}: must be ${s.type}, got ${typeof v === 'number' ? v : typeOf(v)}`);
      return;
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (!(key in o)) out.push(`${at}: lacks ${key}`);
      for (const [key, val] of Object.entries(o)) {
        if (props[key]) check(props[key], val, `${at}.${key}`);
        else if (s.additionalProperties === false) out.push(`${at}: has no property ${key} in its schema`);
        else if (typeof s.additionalProperties === 'object') check(s.additionalProperties as Schema, val, `${at}.${key}`);
      }
    }
    if (Array.isArray(v) && s.items) v.forEach((item, i) => check(s.items as Schema, item, `${at}[${i}]`));
  };
  check(root, value, '$');
  return out;
}
