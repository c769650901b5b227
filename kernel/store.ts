// The state store: where every module's state lives, so that code outside the
// module (the updater) can find, snapshot and migrate it.
//
// A module's image is an immutable value: its module-wide snapshot (plain
// data, changed only by committing an immer recipe or a value built by
// hand) and its per-instance tables (persistent radix tables of small frozen
// records, each stamped with its schema version in `v`). Taking a snapshot
// of an image is keeping the reference, so a rollback restores exactly what
// was there. The store keeps each module's current image as its parts (a
// Cell) and makes the image object when one is asked for: a commit replaces
// a field instead of making an image and setting a map entry each time.
//
// Freezing is where it protects something. A snapshot that anyone keeps
// (the updater's rollback reference and transfer input, a test's `before`)
// is taken through `image()`, which deep-freezes what is not frozen yet, so
// nothing can change it afterwards. Under tests (or LIVEMOD_FREEZE=commits)
// every commit and every record is frozen as it is written as well, so that
// module code which writes into its snapshot fails at the write; elsewhere
// (LIVEMOD_FREEZE=snapshots) commits skip that walk, which was the largest
// cost left in a commit, and a record written waits in a list of its
// module's until `image()` freezes it with the state. A record overwritten
// or deleted before then is never frozen at all: no kept snapshot can hold
// it, since taking one would have frozen it. (Freezing each record as it
// was written cost more than the write's path copy in V8: a new frozen map
// for each object made by spreading the one before.) The list is bounded:
// past MAX_UNFROZEN records it is frozen and emptied.
//
// A record read at an older schema than its table's is migrated then and
// there through the pending lazy steps (migrations.ts) and committed: the
// store owns those steps, so no updater object has to be alive for a read.
//
// Module code reaches its tables through a RecordTable (records.ts).

import { freeze, type Draft } from 'immer';
import { err, thrownMessage } from '../exec/errno.js';
import { LAZY_RECORD_CYCLES, PendingMigrations } from './migrations.js';
import { committer, defaultFreezePolicy, type FreezePolicy, freezeNew, MAX_UNFROZEN } from './freezing.js';
import { PTable } from './ptable.js';
import { NO_SHADOWS, type ShadowImage, withoutInstance } from './shadow.js';

/** A per-instance record: plain frozen data stamped with its schema version. */
export type Rec<T = Record<string, unknown>> = Readonly<T> & { readonly v: number };

export interface ModuleImage {
  readonly state: unknown;
  readonly tables: Readonly<Record<string, PTable<Rec>>>;
  /** Shadow variables attached to the records (shadow.ts): the kernel's, no transfer sees them. */
  readonly shadows: ShadowImage;
}

/** What the store needs of its kernel when a read migrates a record. */
export interface StoreEnv {
  /** Charge simulated cycles to the running thread, if any. */
  charge(cycles: number): void;
  /** Report a bug in module code (a lazy step that throws). */
  oops(where: string, e: unknown): void;
  /** A commit was made (by the running thread, if any): a signal must not restart its syscall any more (exec/signal.ts). */
  committed?(): void;
}

const NO_ENV: StoreEnv = { charge: () => {}, oops: () => {} };

/**
 * A module's current image as its parts, so that a commit replaces one field
 * in place; the image object is made when someone asks for one (`image()`,
 * kept until the next change, so asking twice gives the same reference).
 */
interface Cell {
  state: unknown;
  /**
   * The module's tables by name. Written in place while no image holds
   * this object; an image that takes it freezes it, and the next record
   * write copies it first (copy on write: one copy per image taken, where
   * `{ ...tables, [name]: t }` on every write defined the computed key
   * through V8's runtime).
   */
  tables: Record<string, PTable<Rec>>;
  shadows: ShadowImage;
  image: ModuleImage | null;
  /** Current schema version of each table (read on every record read): kept here, so a read looks up its module once. */
  readonly schemas: Map<string, number>;
  /** Records written and not frozen yet (the `snapshots` policy): table -> key -> record. */
  readonly unfrozen: Map<string, Map<number, Rec>>;
}

/** A cell holding `image` as it is, and `image` itself as the reference to hand out (its tables frozen: the cell shares them with it). */
const cellOf = (image: ModuleImage, schemas: Map<string, number>): Cell => ({
  state: image.state,
  tables: Object.freeze(image.tables) as Record<string, PTable<Rec>>,
  shadows: image.shadows,
  image,
  schemas,
  unfrozen: new Map(),
});

/** Table `name` of `module`'s cell. */
function tableIn(cell: Cell, module: string, name: string): PTable<Rec> {
  const t = cell.tables[name];
  if (!t) throw new Error(`module ${module} declares no record table '${name}'`);
  return t;
}

/** The cell's tables, to write a table into: copied first if an image holds them (see Cell). */
function writableTables(cell: Cell): Record<string, PTable<Rec>> {
  if (Object.isFrozen(cell.tables)) cell.tables = { ...cell.tables };
  return cell.tables;
}

export class StateStore {
  private readonly cells = new Map<string, Cell>();
  /** Commits of module state and record writes, for `stat`. */
  commits = 0;

  private counted(): void {
    this.commits++;
    this.env.committed?.();
  }
  /** Lazy migration steps not yet run on every record. */
  readonly lazy = new PendingMigrations();
  private readonly freezeCommits: boolean;
  /** How many records wait unfrozen in all cells (the `snapshots` policy). */
  private unfrozenCount = 0;

  constructor(
    private readonly env: StoreEnv = NO_ENV,
    readonly freezing: FreezePolicy = defaultFreezePolicy(),
  ) {
    this.freezeCommits = freezing === 'commits';
  }

  create(module: string, state: unknown, tables: Record<string, number>): void {
    if (this.cells.has(module)) throw new Error(`state of ${module} already exists`);
    const t: Record<string, PTable<Rec>> = {};
    for (const name of Object.keys(tables)) t[name] = PTable.empty();
    this.cells.set(module, cellOf(Object.freeze({ state: freeze(state, true), tables: Object.freeze(t), shadows: NO_SHADOWS }), new Map(Object.entries(tables))));
  }

  has(module: string): boolean {
    return this.cells.has(module);
  }

  /**
   * The module's whole image, to keep: its state deep-frozen first (only
   * what no snapshot before has frozen, so O(1) under the `commits` policy
   * and O(what changed since) otherwise).
   */
  image(module: string): ModuleImage {
    const cell = this.current(module);
    freezeNew(cell.state);
    this.freezeRecords(cell);
    return (cell.image ??= { state: cell.state, tables: Object.freeze(cell.tables), shadows: cell.shadows });
  }

  /** Freeze the records of a module (its cell) still waiting for it. */
  private freezeRecords(cell: Cell): void {
    for (const recs of cell.unfrozen.values()) {
      for (const rec of recs.values()) freezeNew(rec);
      this.unfrozenCount -= recs.size;
    }
    cell.unfrozen.clear();
  }

  /** Records of `module` written and not frozen yet (for tests). */
  unfrozenRecords(module: string): number {
    let n = 0;
    for (const recs of this.cells.get(module)?.unfrozen.values() ?? []) n += recs.size;
    return n;
  }

  /** `rec`, just written as record `key` of table `name` in `cell`, frozen now or when the next snapshot is taken (see the header). */
  private frozenLater(cell: Cell, name: string, key: number, rec: Rec): Rec {
    if (this.freezeCommits) return freezeNew(rec);
    let recs = cell.unfrozen.get(name);
    if (!recs) cell.unfrozen.set(name, (recs = new Map()));
    const had = recs.size;
    recs.set(key, rec);
    if (recs.size > had && ++this.unfrozenCount > MAX_UNFROZEN) for (const c of this.cells.values()) this.freezeRecords(c);
    return rec;
  }

  /** Record `key` of `name` is gone from the current image: it no longer needs freezing. */
  private notFrozenLater(cell: Cell, name: string, key: number): void {
    if (cell.unfrozen.get(name)?.delete(key)) this.unfrozenCount--;
  }

  /** The module's image as it is, for the store's own reads and writes. */
  private current(module: string): Cell {
    const cell = this.cells.get(module);
    if (!cell) throw new Error(`no state for module ${module}`);
    return cell;
  }

  /** Put back an image taken earlier (rollback), or install a new one (transfer). */
  restore(module: string, image: ModuleImage, schemas?: Record<string, number>): void {
    freezeNew(image.state);
    const was = this.cells.get(module);
    if (was) this.freezeRecords(was); // records of the image replaced: whoever kept it may look at them
    const m = was?.schemas ?? new Map<string, number>();
    if (schemas) for (const [name, v] of Object.entries(schemas)) m.set(name, v);
    this.cells.set(module, cellOf(image, m));
  }

  remove(module: string): void {
    const cell = this.cells.get(module);
    if (cell) this.freezeRecords(cell);
    this.cells.delete(module);
    this.lazy.clearModule(module);
  }

  schemaOf(module: string, table: string): number {
    const v = this.cells.get(module)?.schemas.get(table);
    if (v === undefined) throw new Error(`module ${module} declares no record table '${table}'`);
    return v;
  }

  state<S>(module: string): S {
    return this.current(module).state as S;
  }

  /** Apply an immer recipe to the module's snapshot; returns the new snapshot. */
  commit<S>(module: string, recipe: (draft: Draft<S>) => void): S {
    const cell = this.current(module);
    const next = committer.produce(cell.state as S, recipe);
    if (next !== cell.state) {
      if (this.freezeCommits) freezeNew(next);
      cell.state = next;
      cell.image = null;
      this.counted();
    }
    return next;
  }

  /**
   * Commit a new snapshot built by the caller, with no draft: for a tiny
   * change made many times (immer's fixed cost per `produce` dominates
   * there). `next` must be a new value that shares the unchanged parts of
   * the current snapshot; what is new in it is frozen as `commit` does.
   * Giving back the current snapshot commits nothing.
   */
  put<S>(module: string, next: S): S {
    const cell = this.current(module);
    if (next !== cell.state) {
      if (this.freezeCommits) freezeNew(next);
      cell.state = next;
      cell.image = null;
      this.counted();
    }
    return next;
  }

  table(module: string, name: string): PTable<Rec> {
    return tableIn(this.current(module), module, name);
  }

  /** Read one record, migrating it first if its schema is behind. */
  getRecord(module: string, name: string, key: number): Rec | undefined {
    const cell = this.current(module);
    const rec = tableIn(cell, module, name).get(key);
    if (rec !== undefined && rec.v !== cell.schemas.get(name)) return this.migrateOnRead(module, name, key, rec, this.schemaOf(module, name));
    return rec;
  }

  /** A record read at an old schema: run the pending steps to schema `to`, commit the result and return it. EIO (and an oops) if a step fails. */
  private migrateOnRead(module: string, name: string, key: number, rec: Rec, to: number): Rec {
    let next: Rec;
    try {
      next = this.lazy.upgrade(module, name, rec, to);
    } catch (e) {
      this.env.oops(`lazy migration of ${module}/${name}[${key}]`, e);
      throw err('EIO', `${module}: record ${key} of ${name} could not be migrated: ${thrownMessage(e)}`);
    }
    this.putRecord(module, name, key, next);
    this.env.charge(LAZY_RECORD_CYCLES);
    return next;
  }

  /** Records of a table not yet at its current schema (a full scan: for modinfo and tests). */
  recordsBehind(module: string, name: string): number {
    const target = this.schemaOf(module, name);
    let n = 0;
    for (const [, rec] of this.table(module, name).entries()) if (rec.v !== target) n++;
    return n;
  }

  /** Store a record as given (it must already carry `v`). */
  putRecord(module: string, name: string, key: number, rec: Rec): void {
    const cell = this.current(module);
    const t = tableIn(cell, module, name).set(key, this.frozenLater(cell, name, key, rec));
    writableTables(cell)[name] = t;
    cell.image = null;
    this.counted();
  }

  /** Delete a record, and with it the shadows attached to it. */
  deleteRecord(module: string, name: string, key: number): void {
    const cell = this.current(module);
    const t = tableIn(cell, module, name).delete(key);
    this.notFrozenLater(cell, name, key);
    writableTables(cell)[name] = t;
    cell.shadows = withoutInstance(cell.shadows, name, key);
    cell.image = null;
    this.counted();
  }

  /** The module's shadow variables (shadow.ts). */
  shadows(module: string): ShadowImage {
    return this.image(module).shadows;
  }

  /** Install the module's shadows as changed (shadow.ts's ModuleShadows builds `next`). */
  putShadows(module: string, next: ShadowImage): void {
    if (next === this.image(module).shadows) return;
    const cell = this.current(module);
    cell.shadows = next;
    cell.image = null;
    this.counted();
  }

  hasTable(module: string, name: string): boolean {
    return Object.hasOwn(this.image(module).tables, name);
  }

  /** Whether record `key` of table `name` exists (read as stored: no migration). */
  hasRecord(module: string, name: string, key: number): boolean {
    return this.table(module, name).get(key) !== undefined;
  }
}
