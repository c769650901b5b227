// Kernel threads and wait queues. A thread is a generator; a kernel function
// that may block is a generator function called with `yield*`. A thread
// leaves its CPU only at a `yield` of a Directive, so the code between two
// yields runs atomically: that step is the unit of interleaving.
//
// Each thread carries a shadow stack of the active frames of generator calls
// made through stubs (see symbols.ts); stack checks and `ps` read it.

/** What a thread tells the scheduler when it yields. */
export type Directive =
  /** The thread has put itself on a wait queue and set state 'blocked'. */
  | { readonly kind: 'block' }
  /** A preemption point: switch away only if a reschedule was requested. */
  | { readonly kind: 'preempt' };

export const BLOCK: Directive = Object.freeze({ kind: 'block' });
export const PREEMPT: Directive = Object.freeze({ kind: 'preempt' });

/** The generator type of a kernel function that may block. */
export type KGen<T = void> = Generator<Directive, T, unknown>;

export type ThreadState = 'runnable' | 'running' | 'blocked' | 'exited';

/** One active call through a stub: which module, which version, which function. */
export interface Frame {
  readonly module: string;
  readonly version: string;
  readonly fn: string;
}

export class Thread {
  state: ThreadState = 'runnable';
  /** The CPU it last ran on (its run queue). */
  cpu: number;
  /** The shadow stack: active frames of generator calls made through stubs. */
  readonly frames: Frame[] = [];
  /**
   * Beside each frame, the calls it has made through stubs so far: how far
   * into its body the frame is, as far as its calls show. Two moments with
   * the same frames but different counts are different places in the code
   * (livemod check tells update points apart by them).
   */
  readonly frameCalls: number[] = [];
  /** What it is blocked on, for `ps`. */
  waitChannel: string | null = null;
  /** Set while it is inside a syscall. */
  syscall: string | null = null;
  /**
   * Changes it has made since it entered its current syscall (the procedural
   * kernel counts store commits). An interruptible wait is interruptible
   * only while this is 0: only then can the syscall be unwound and restarted
   * with nothing half done (exec/signal.ts).
   */
  effects = 0;
  /** The wait queue it is blocked on, and whether that wait may be interrupted by a signal. */
  waitingOn: WaitQueue | null = null;
  interruptible = false;
  /** An error to throw into the generator at its next step instead of resuming it (a signal's restart, a kill). */
  pendingThrow: unknown = undefined;
  /**
   * Killed (purge --kill): every later step returns from its generator
   * instead of resuming it, so only its `finally` blocks run (the stubs pop
   * its frames there), never a `catch` that could keep it alive.
   */
  killed = false;
  /** Value handed to the generator on its next step. */
  resumeValue: unknown = undefined;
  result: unknown = undefined;
  error: unknown = undefined;
  /** Steps run and cycles consumed, for `ps` and `stat`. */
  steps = 0;
  cycles = 0;
  readonly exitWaiters: WaitQueue;

  constructor(
    readonly tid: number,
    readonly name: string,
    readonly kind: 'kernel' | 'user',
    readonly gen: KGen<unknown>,
    cpu: number,
    wake: (t: Thread) => void,
  ) {
    this.cpu = cpu;
    this.exitWaiters = new WaitQueue(`exit:${tid}`, wake);
  }
}

/**
 * A FIFO of blocked threads. `wait` is called by the current thread from a
 * generator; `wakeOne`/`wakeAll` may be called from anywhere (a step of
 * another thread, an interrupt handler).
 */
export class WaitQueue {
  private readonly waiters: Thread[] = [];

  constructor(
    readonly channel: string,
    private readonly wake: (t: Thread) => void,
  ) {}

  get length(): number {
    return this.waiters.length;
  }

  /**
   * Block `self` until woken. The caller re-checks its condition after.
   * `interruptible`: a signal may end the wait by throwing into the caller
   * (exec/signal.ts says when that is allowed); Linux's TASK_INTERRUPTIBLE.
   */
  *wait(self: Thread, why: string = this.channel, interruptible = false): KGen<void> {
    this.enqueue(self, why, interruptible);
    yield BLOCK;
  }

  /**
   * The first half of `wait`, for a caller that yields BLOCK itself right
   * after (the scheduler's timed waits: one generator fewer to resume).
   */
  enqueue(self: Thread, why: string, interruptible: boolean): void {
    self.state = 'blocked';
    self.waitChannel = why;
    self.waitingOn = this;
    self.interruptible = interruptible;
    this.waiters.push(self);
  }

  /** Take `t` off the queue without waking it (a signal or a kill wakes it another way); whether it was there. */
  remove(t: Thread): boolean {
    const i = this.waiters.indexOf(t);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }

  wakeOne(): boolean {
    const t = this.waiters.shift();
    if (!t) return false;
    this.wake(t);
    return true;
  }

  wakeAll(): number {
    const n = this.waiters.length;
    while (this.waiters.length > 0) this.wake(this.waiters.shift()!);
    return n;
  }

  /** Threads currently waiting, oldest first. */
  list(): readonly Thread[] {
    return this.waiters;
  }
}
