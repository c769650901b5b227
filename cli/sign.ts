// Module signing on the command line: `livemod keygen [--out DIR] [--force]`
// makes an ed25519 key pair (catalog/keys.ts), `livemod sign FILE [--key
// KEY]` appends a signature to a module file (catalog/signing.ts), and the
// machine options `--require-signed` and `--trusted-key FILE` (shell, run,
// demo) set the booted kernel's signature policy (kernel/modsig.ts). A
// mistake on the command line (a missing file, a bad key) is a usage error
// naming the errno: nothing was signed or booted.

import { lstatSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { type Command, Option } from 'commander';
import { generateKeys, readPrivateKey, readTrustedKey } from '../catalog/keys.js';
import { keyId, signFile } from '../catalog/signing.js';
import { err, type Errno, isKernelError } from '../exec/errno.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import { usage } from './exit.js';

/** What the machine options parse to. */
export interface TrustFlags {
  readonly requireSigned?: boolean;
  readonly trustedKey?: string[];
}

const collect = (value: string, prev: string[] = []) => [...prev, value];

/** `--require-signed`, for a command that boots a machine. */
export function requireSignedOption(): Option {
  return new Option('--require-signed', "refuse module files without a valid signature by a trusted key (EKEYREJECTED); the catalog's own modules count as signed");
}

/** `--trusted-key FILE`, repeatable, for a command that boots a machine. */
export function trustedKeyOption(): Option {
  return new Option('--trusted-key <file>', "a public key file (livemod keygen's signing_key.pub) whose signatures this machine trusts; repeatable").argParser(collect);
}

/** The kernel's signature policy from the machine options; a usage error if a key file is missing or not a public key. */
export function moduleSigOptions(flags: TrustFlags): ModuleSigOptions {
  try {
    return { required: flags.requireSigned === true, trustedKeys: (flags.trustedKey ?? []).map(readTrustedKey) };
  } catch (e) {
    throw usage(e as object);
  }
}

/** Errnos a host file operation may fail with that the kernel's table names; any other is EIO. */
const HOST_ERRNOS: readonly Errno[] = ['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOSPC', 'ENAMETOOLONG', 'EBUSY'];

/** Run `fn`; a failing host file operation (mkdir, write, rename) becomes one line naming its errno, not an internal error. */
function onHost<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (isKernelError(e) || typeof code !== 'string' || !(e as NodeJS.ErrnoException).syscall) throw e;
    const errno = (HOST_ERRNOS as readonly string[]).includes(code) ? (code as Errno) : 'EIO';
    throw err(errno, `cannot ${what}: ${(e as Error).message}`, 'check the path and its permissions');
  }
}

/** Replace `file`'s content with `bytes`, atomically (a copy aside, then rename), keeping its mode. */
function rewrite(file: string, bytes: Buffer): void {
  const real = realpathSync(file); // a link is followed to the file it names, and that file is replaced
  const aside = `${real}.${process.pid}.${threadId}.signing`;
  if (lstatSync(aside, { throwIfNoEntry: false })) unlinkSync(aside); // left over: remove the entry, never write through it
  writeFileSync(aside, bytes, { flag: 'wx', mode: statSync(real).mode & 0o777 });
  try {
    renameSync(aside, real);
  } catch (e) {
    unlinkSync(aside);
    throw e;
  }
}

export function addSigningCommands(program: Command, out: (line: string) => void): void {
  program
    .command('keygen')
    .description('make an ed25519 key pair for signing modules (private key mode 0600 in a directory only you can read)')
    .option('--out <dir>', 'where to write signing_key.pem and signing_key.pub (default: $LIVEMOD_KEYS, else ~/.config/livemod/keys)')
    .option('--force', 'replace a key pair already there (modules signed with it must then be signed again)')
    .action((o: { out?: string; force?: boolean }) => {
      const keys = onHost('write the key pair', () => generateKeys(o.out, o.force === true));
      out(`key ${keys.id} (ed25519)`);
      out(`private: ${keys.privateFile} (keep it secret: livemod sign FILE uses it)`);
      out(`public:  ${keys.publicFile} (give it to a machine: --trusted-key ${keys.publicFile})`);
    });

  program
    .command('sign')
    .description('sign a module file: append a signature line over its exact bytes (an old signature is replaced)')
    .argument('<file>', 'the module file (.ts, .js or .mjs)')
    .option('--key <file>', 'the private key (default: signing_key.pem in the key directory of livemod keygen)')
    .action((file: string, o: { key?: string }) => {
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) throw usage(err('ENOENT', `no such file: ${file}`, 'check the path'));
      if (st.isDirectory()) throw usage(err('EISDIR', `${file} is a directory`, 'give the module file to sign'));
      if (!/\.(ts|js|mjs)$/.test(file)) throw usage(err('EINVAL', `${file} is not a module file (.ts, .js or .mjs)`, 'sign the file insmod loads'));
      let key;
      try {
        key = readPrivateKey(o.key);
      } catch (e) {
        throw usage(e as object);
      }
      onHost(`sign ${file}`, () => rewrite(file, signFile(file, readFileSync(file), key)));
      out(`signed ${file} with key ${keyId(key)} (ed25519)`);
    });
}
