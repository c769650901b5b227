// What console output must never show, whatever it was given (the hostile
// corpus and the grammar fuzz both check it): a stack frame
// (`    at fn (file:line:col)`), an internal error (a bug's report), or a host
// error's name leaking into a message (`TypeError: ...`).

/** A line (or text, multiline) that shows a stack frame, an internal error or a host error's name. */
export const BROKEN_OUTPUT = /^\s+at .*:\d+:\d+\)?$|internal error|\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError): /m;
