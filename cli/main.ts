#!/usr/bin/env node
// The `livemod` command: parses the command line (commander) and hands off
// to the console (`shell`, `run`) or the demo. User errors print one line
// naming the errno; only LIVEMOD_DEBUG=1 shows stacks. Exit codes (exit.ts):
// 1 when the work failed, 2 when the command line was wrong.

import { Command, InvalidArgumentError } from 'commander';
import { addChartCommand } from './chart.js';
import { checkCommand } from './check.js';
import { compareCommand } from './compare.js';
import { ConsoleSession } from './console.js';
import { ObjectConsoleSession } from './objects.js';
import type { Session } from './session.js';
import { demo } from './demo.js';
import { exitFor, packageVersion, usage } from './exit.js';
import { describeError } from './format.js';
import { readScript, runScript } from './script.js';
import { addSweepCommand } from './sweep.js';
import { interactive } from './shell.js';
import { addSigningCommands, moduleSigOptions, requireSignedOption, trustedKeyOption, type TrustFlags } from './sign.js';
import { TRACE_HELP, traced } from './trace-option.js';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`EINVAL: ${name} must be an integer in ${min}..${max}`);
    }
    return n;
  };
}

interface MachineOpts {
  seed: number;
  cpus: number;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

// A reader that goes away (`livemod run FILE | head -1`) closes the pipe: stop
// quietly, as a filter does, since nothing more can be shown; no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const KERNELS = ['modules', 'objects'] as const;

function kernelKind(value: string): (typeof KERNELS)[number] {
  if (!(KERNELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`EINVAL: --kernel must be one of ${KERNELS.join(', ')}`);
  return value as (typeof KERNELS)[number];
}

/** A console on the kernel asked for: the procedural one (modules) or the object twin (which loads no module files, so has no signature policy). */
function session(kernel: (typeof KERNELS)[number], o: MachineOpts, trust: TrustFlags): Session {
  const config = { seed: o.seed, cpus: o.cpus };
  const moduleSig = moduleSigOptions(trust);
  return kernel === 'objects' ? ObjectConsoleSession.boot(config, out) : ConsoleSession.boot(config, out, { moduleSig });
}
const errLine = (line: string) => process.stderr.write(`${line}\n`);

const program = new Command();
program
  .name('livemod')
  .description('A simulated multi-CPU machine running a modular kernel that is updated while it runs.')
  .option('--seed <n>', 'seed of the machine (a run is a pure function of it)', integer('--seed', 0, 0xffff_ffff), 1)
  .option('--cpus <n>', 'number of CPUs', integer('--cpus', 1, 64), 4)
  .version(packageVersion(), '-V, --version', 'print the version of livemod')
  .exitOverride() // usage errors end in the catch below (exit 2); subcommands inherit it
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(`livemod: ${str.replace(/^error: /, '')}`) });

program
  .command('demo')
  .description('the main job: a workload runs while every update in the module histories is applied live; then every byte is checked')
  .option('--json', 'print the result as JSON (schema livemod.demo/1)')
  .option('--trace <file>', TRACE_HELP)
  .addOption(requireSignedOption())
  .addOption(trustedKeyOption())
  .action(async (cmdOpts: { json?: boolean; trace?: string } & TrustFlags) => {
    const o = program.opts<MachineOpts>();
    moduleSigOptions(cmdOpts); // a bad key file is a usage error before anything runs
    const trust = { requireSigned: cmdOpts.requireSigned === true, trustedKeys: cmdOpts.trustedKey ?? [] };
    const r = await traced(cmdOpts.trace, out, (attach) => demo({ seed: o.seed, cpus: o.cpus }, out, { json: cmdOpts.json === true, trust, onBoot: (k) => attach(k, 'modules') }));
    process.exitCode = r.ok ? 0 : 1;
  });

program
  .command('shell')
  .description('open a console on a booted machine (type help there)')
  .option('--kernel <kind>', 'modules (the procedural kernel) or objects (the K42-style twin)', kernelKind, 'modules' as const)
  .addOption(requireSignedOption())
  .addOption(trustedKeyOption())
  .action(async (cmdOpts: { kernel: (typeof KERNELS)[number] } & TrustFlags) => {
    await interactive(session(cmdOpts.kernel, program.opts<MachineOpts>(), cmdOpts));
  });

program
  .command('run')
  .description("run console commands from FILE (or - for standard input); a line starting with '!' must fail")
  .argument('<file>', 'script file, or - for standard input')
  .option('-q, --quiet', 'do not echo each command')
  .option('--kernel <kind>', 'modules (the procedural kernel) or objects (the K42-style twin)', kernelKind, 'modules' as const)
  .option('--json', 'print one JSON line per command: its output, the data it returned and how it went (schema livemod.run/1)')
  .option('--trace <file>', TRACE_HELP)
  .addOption(requireSignedOption())
  .addOption(trustedKeyOption())
  .action(async (file: string, cmdOpts: { quiet?: boolean; kernel: (typeof KERNELS)[number]; json?: boolean; trace?: string } & TrustFlags) => {
    const o = program.opts<MachineOpts>();
    let text: string;
    try {
      text = readScript(file);
    } catch (e) {
      throw usage(e as Error);
    }
    const json = cmdOpts.json ? { json: (e: object) => out(JSON.stringify(e)) } : {};
    const ok = await traced(cmdOpts.trace, out, (attach) => {
      const s = session(cmdOpts.kernel, o, cmdOpts);
      attach(s.k, cmdOpts.kernel);
      return runScript(s, text, { source: file, echo: !cmdOpts.quiet, printErr: errLine, ...json });
    });
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('compare')
  .description('run the same workload and updates on the procedural kernel and its object-oriented twin and compare them')
  .option('--svg <file>', 'also draw throughput around each update to this SVG file and the phases of every update to its sibling NAME-gantt.svg (each with its Vega-Lite spec, NAME.vl.json)')
  .option('--json', 'print the result as JSON (schema livemod.compare/2)')
  .option('--trace <file>', `${TRACE_HELP}; the two kernels are two processes`)
  .action(async (cmdOpts: { svg?: string; json?: boolean; trace?: string }) => {
    const o = program.opts<MachineOpts>();
    const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`\r${line}\x1b[K`) : undefined;
    const ok = await traced(cmdOpts.trace, out, (attach) => compareCommand({ seed: o.seed, cpus: o.cpus, ...(cmdOpts.svg ? { svg: cmdOpts.svg } : {}), json: cmdOpts.json === true, onBoot: (name, k) => attach(k, name) }, out, progress));
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.exitCode = ok ? 0 : 1;
  });

addChartCommand(program, out);

const words = (value: string, prev: string[] = []) => [...prev, ...value.split(',').filter((x) => x)];

program
  .command('check')
  .description('update-timing coverage: apply an update at every distinct moment of a workload, with each strategy, and check the results against the model, a run with no update and a cold restart')
  .argument('[update...]', 'NAME@VERSION of one update (several: one group)')
  .option('--histories', 'check every live update in the module histories')
  .option('--strategy <s>', 'module, per-task, stop-machine, unsafe (the control) or all', 'all')
  .option('--boot <specs>', 'modules to boot with, comma-separated (default: what the update takes over from, and the newest others that load)', words)
  .option('--workload <script>', 'a console script to run as the workload instead of the verifying one (simplefs is mounted on /mnt first)')
  .option('--threads <n>', 'workload threads', integer('--threads', 1, 16))
  .option('--files <n>', 'files per thread', integer('--files', 1, 100))
  .option('--ops <n>', 'operations per thread', integer('--ops', 1, 10_000))
  .option('--size <bytes>', 'largest file written', integer('--size', 1, 65536))
  .option('--think <cycles>', 'most cycles of computation between two operations', integer('--think', 0, 10_000_000))
  .option('--exhaustive', 'run every update point, not one per class')
  .option('--point <step>', 'run only the update point at this step (a replay)', integer('--point', 0, Number.MAX_SAFE_INTEGER))
  .option('--workers <n>', 'worker threads (default: one per core)', integer('--workers', 1, 64))
  .option('--json', 'print the report as JSON (schema livemod.check/1)')
  .addOption(requireSignedOption())
  .addOption(trustedKeyOption())
  .action(async (update: string[], c: { histories?: boolean; strategy: string; boot?: string[]; workload?: string; threads?: number; files?: number; ops?: number; size?: number; think?: number; exhaustive?: boolean; point?: number; workers?: number; json?: boolean } & TrustFlags) => {
    const o = program.opts<MachineOpts>();
    const moduleSig = c.requireSigned || c.trustedKey ? moduleSigOptions(c) : undefined;
    const workload = {
      ...(c.threads !== undefined ? { threads: c.threads } : {}),
      ...(c.files !== undefined ? { files: c.files } : {}),
      ...(c.ops !== undefined ? { ops: c.ops } : {}),
      ...(c.size !== undefined ? { maxSize: c.size } : {}),
      ...(c.think !== undefined ? { think: c.think } : {}),
    };
    const ok = await checkCommand(
      { seed: o.seed, cpus: o.cpus, update, histories: c.histories === true, ...(c.boot ? { boot: c.boot } : {}), ...(c.workload !== undefined ? { script: c.workload } : {}), strategy: c.strategy, workload, exhaustive: c.exhaustive === true, ...(c.point !== undefined ? { point: c.point } : {}), ...(c.workers !== undefined ? { workers: c.workers } : {}), ...(moduleSig ? { moduleSig } : {}), json: c.json === true },
      out,
      process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\x1b[K`) : undefined,
    );
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.exitCode = ok ? 0 : 1;
  });

addSweepCommand(program, out);
addSigningCommands(program, out);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const { code, print } = exitFor(e);
  if (print) errLine(`livemod: ${describeError(e)}`);
  if (print && process.env.LIVEMOD_DEBUG && e instanceof Error) errLine(e.stack ?? '');
  process.exitCode = code;
}
