// The console the grammar fuzz (props/console.fuzz.test.ts) drives, in a
// worker thread so that the test can kill it: a line that hangs the console
// (even in a loop that never returns to the event loop) is stopped by
// Worker.terminate() and reported, instead of holding the test run. It runs
// the built console (dist/, which `npm test` builds first), on either
// kernel. Messages in: `{ boot: 'modules'|'objects', seed }`, then
// `{ line, interruptMs }`: the line runs, and a Ctrl-C (the console's own
// interrupt) comes after `interruptMs` if it is still running. Messages
// out: `{ booted: true }`, and for each line `{ lines, error }`: what it
// printed and, if it failed, its error as data (errno, text).

import { parentPort } from 'node:worker_threads';

const dist = new URL('../dist/', import.meta.url);
const { ConsoleSession } = await import(new URL('cli/console.js', dist).href);
const { ObjectConsoleSession } = await import(new URL('cli/objects.js', dist).href);
const { errorData } = await import(new URL('api/data.js', dist).href);

let session = null;
let printed = [];

parentPort.on('message', async (msg) => {
  if (msg.boot) {
    const print = (l) => printed.push(l);
    session = msg.boot === 'objects' ? ObjectConsoleSession.boot({ seed: msg.seed, cpus: 2 }, print) : ConsoleSession.boot({ seed: msg.seed, cpus: 2 }, print);
    session.sliceMs = 5; // look for the Ctrl-C often
    parentPort.postMessage({ booted: true });
    return;
  }
  printed = [];
  const ctrlC = setTimeout(() => session.interrupt(), msg.interruptMs);
  let error = null;
  try {
    await session.exec(msg.line);
  } catch (e) {
    const d = errorData(e);
    error = { errno: d.errno, text: d.text };
  } finally {
    clearTimeout(ctrlC);
  }
  parentPort.postMessage({ lines: printed, error });
});
