// Kernel errors: every failure the kernel reports to a caller carries an
// errno name (as Linux does) and, where it helps, what to do about it.
// The names are Linux's; the two of module signing keep Linux's meaning:
// EBADMSG (74) a signature that cannot be parsed, EKEYREJECTED (129) a module
// whose signature is missing, by an untrusted key, or does not match it.

export type Errno =
  | 'EPERM' | 'ENOENT' | 'EIO' | 'EBADF' | 'EAGAIN' | 'ENOMEM' | 'EBUSY'
  | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'EINVAL' | 'ENOSPC' | 'ENODEV'
  | 'ENOTEMPTY' | 'ENOEXEC' | 'ENAMETOOLONG' | 'ETIMEDOUT' | 'ENOSYS'
  | 'ESRCH' | 'ECANCELED' | 'EFAULT' | 'ERANGE' | 'EOPNOTSUPP' | 'EACCES'
  | 'EBADMSG' | 'EKEYREJECTED';

/**
 * Whether a KernelError records the stack it was made on. An errno is an
 * answer to the caller, not a bug, and its message says all the user sees;
 * capturing the stack walked every frame of the thread's generators, the
 * same cost again for each of the thousands of ENOENTs a workload gets
 * (about 2% of either kernel's time). LIVEMOD_DEBUG, which prints stacks,
 * turns it back on.
 */
const ERRNO_STACKS = typeof process !== 'undefined' && !!process.env.LIVEMOD_DEBUG;

export class KernelError extends Error {
  constructor(
    readonly errno: Errno,
    message: string,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    const limit = Error.stackTraceLimit;
    if (!ERRNO_STACKS) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'KernelError';
  }

  /** One line: `EBUSY: message (hint)`. */
  describe(): string {
    return `${this.errno}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }
}

/** Throw-expression helper: `throw err('ENOENT', ...)`. */
export function err(errno: Errno, message: string, hint?: string): KernelError {
  return new KernelError(errno, message, hint);
}

/**
 * True for a KernelError, including one made by another copy of this file
 * (a user's module loaded from a path may be linked against its own copy).
 */
export function isKernelError(e: unknown): e is KernelError {
  return e instanceof KernelError || (e instanceof Error && e.name === 'KernelError' && typeof (e as KernelError).errno === 'string');
}
