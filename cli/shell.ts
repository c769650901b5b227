// The interactive console (`livemod shell`): a prompt on a booted machine.
// A failing command prints its one-line error and the machine goes on.

import { createInterface } from 'node:readline';
import type { Session } from './session.js';
import { describeError } from './format.js';

export async function interactive(session: Session): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'livemod> ', terminal: process.stdin.isTTY });
  session.print(`livemod shell: ${session.k.machine.cpus.length} CPUs, seed ${session.k.machine.config.seed}. Type 'help' for commands, 'exit' to leave.`);
  rl.prompt();
  for await (const line of rl) {
    const cmd = line.trim();
    if (/^(exit|quit)(\s+#.*)?$/.test(cmd)) break;
    try {
      await session.exec(cmd);
    } catch (e) {
      process.stderr.write(`error: ${describeError(e)}\n`);
      if (process.env.LIVEMOD_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    }
    rl.prompt();
  }
  rl.close();
}
