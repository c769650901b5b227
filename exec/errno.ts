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

  /** One line: `EBUSY: message (hint)`, whatever the message quotes (see oneLine). */
  describe(): string {
    return oneLine(`${this.errno}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`);
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

/**
 * The message of anything thrown, for a one-line report: an Error's
 * message, else the value as text. Never throws itself: module code may
 * throw a value that cannot be printed (`Object.create(null)`, an object
 * whose `toString` or `message` getter throws), and reporting it must not
 * fail in its turn.
 */
export function thrownMessage(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    try {
      return `a thrown ${Object.prototype.toString.call(e).slice(8, -1)} that cannot be printed`;
    } catch {
      return 'a thrown value that cannot be printed';
    }
  }
}

/** Control characters, line and paragraph separators, and the bidirectional overrides and isolates. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` as one line that shows what it holds: control characters (a
 * newline, a tab, NUL, a terminal escape) and bidirectional overrides become
 * escapes (`\n`, `\u0000`, `\u202e`). An error quotes what the user typed
 * (a path, a module name), and a name with a newline in it must not split
 * the error into two lines, nor an escape recolour the terminal or an
 * override reorder the line.
 */
export function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
