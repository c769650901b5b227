// Taint: what has happened to this kernel that makes its behaviour no longer
// vouched for, as Linux's /proc/sys/kernel/tainted records it. A flag, once
// set, stays for the life of the machine; each setting is logged with its
// reason. Both kernels own one (Executive.taint), so `stat`, `lsmod` and
// dmesg show the same letters whichever kernel runs.
//
//   E  unsigned        a module without a valid signature was loaded
//   O  out-of-tree     a module from a file outside the catalog was loaded
//   K  livepatched     an update was applied to a running module
//   F  forced          a transition was forced: its stragglers never moved
//   L  soft-lockup     module code ran too long without yielding

export const TAINT_FLAGS = {
  unsigned: 'E',
  'out-of-tree': 'O',
  livepatched: 'K',
  forced: 'F',
  'soft-lockup': 'L',
} as const;

export type TaintFlag = keyof typeof TAINT_FLAGS;

/** The letters of `flags`, in the order of TAINT_FLAGS (a module's, as lsmod shows them). */
export function taintLetters(flags: ReadonlySet<TaintFlag>): string {
  return (Object.keys(TAINT_FLAGS) as TaintFlag[]).filter((f) => flags.has(f)).map((f) => TAINT_FLAGS[f]).join('');
}

export interface TaintEntry {
  readonly flag: TaintFlag;
  /** Simulated time of the first setting. */
  readonly at: number;
  /** Why, from the first setting (a module name, a function). */
  readonly reason: string;
}

export class Taint {
  private readonly set = new Map<TaintFlag, TaintEntry>();

  constructor(
    private readonly now: () => number,
    private readonly log: (text: string) => void,
  ) {}

  /** Set `flag` (idempotent: the first reason is kept, and logged once). */
  add(flag: TaintFlag, reason: string): void {
    if (this.set.has(flag)) return;
    this.set.set(flag, { flag, at: this.now(), reason });
    this.log(`taint: ${flag} (${TAINT_FLAGS[flag]}): ${reason}`);
  }

  has(flag: TaintFlag): boolean {
    return this.set.has(flag);
  }

  /** Every flag set, in the order of TAINT_FLAGS. */
  entries(): TaintEntry[] {
    return (Object.keys(TAINT_FLAGS) as TaintFlag[]).flatMap((f) => this.set.get(f) ?? []);
  }

  /** The letters, as Linux prints them in an oops header ('' when clean). */
  letters(): string {
    return this.entries().map((e) => TAINT_FLAGS[e.flag]).join('');
  }
}
