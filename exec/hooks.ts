// Subscribe lists for the points where a kernel lets other code look in (a
// thread returned from a syscall, an ops table was registered, ...). A hook
// point used to be one nullable function, so a second subscriber silently
// replaced the first, and whoever installed it had to remember to restore
// what was there. Here every subscriber gets a handle that removes exactly
// itself, in any order.

export class HookList<A extends unknown[]> {
  private fns: ((...args: A) => void)[] = [];

  /** Subscribe `fn`; the function returned unsubscribes it. */
  add(fn: (...args: A) => void): () => void {
    this.fns = [...this.fns, fn];
    return () => {
      this.fns = this.fns.filter((f) => f !== fn);
    };
  }

  /** Call every subscriber, in the order they subscribed. */
  run(...args: A): void {
    // The array is replaced (never mutated) on add and remove, so a subscriber may unsubscribe while it runs.
    for (const fn of this.fns) fn(...args);
  }

  get size(): number {
    return this.fns.length;
  }
}
