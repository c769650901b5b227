// What a machine lets in: each module file loaded by path is checked against
// the kernel's signature policy (kernel/modsig.ts) before any byte of it is
// compiled or runs, and what it brings is recorded as taint, as Linux's
// module loader does:
//
//   - in-tree: the catalog's own modules (modules/, by name or by path) are
//     this installation's code, as trusted as the kernel that runs them, and
//     count as signed by the build, the way Linux signs its in-tree modules
//     with a key made at build time. livemod does not sign them with a key:
//     whoever can change modules/ can change the checker as well, so a
//     signature there would prove nothing. They load under any policy and
//     taint nothing;
//   - signed by a trusted key and matching: loads; out-of-tree (O);
//   - not signed, or signed by a key the machine does not trust: refused
//     with EKEYREJECTED when signatures are required, else loads and taints
//     unsigned (E) and out-of-tree (O);
//   - signed by a trusted key but not matching (changed after signing), or a
//     signature line that does not parse: always refused (EKEYREJECTED,
//     EBADMSG), required or not, as Linux refuses a bad signature even when it
//     does not enforce.
//
// A module split over several files is checked file by file. The kernel is
// tainted when a module's code enters the machine: at insmod, and at the
// prepare phase of an update (its transfer code may run even if the update
// then aborts); the module itself shows the flags (lsmod's `(OE)`) from
// insmod, or from the update's commit, until it is unloaded.

import { createPublicKey } from 'node:crypto';
import type { TaintFlag } from '../exec/taint.js';
import { err } from '../exec/errno.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import type { LoadedModule, ModuleVersion } from '../kernel/loader.js';
import type { ModuleDef } from '../kernel/module.js';
import type { Plan } from '../updater/plan.js';
import type { VersionResolver } from '../updater/updater.js';
import { catalogResolver, type FileCheck, inTree, loadModuleDef } from './catalog.js';
import { signatureMatches, splitSignature } from './signing.js';

/** A version loaded through the check, and the taint flags it brings. */
export interface CheckedVersion extends ModuleVersion {
  readonly taints: readonly TaintFlag[];
  /** What vouches for it, as modinfo shows it: `in-tree (signed by the build)`, `key ID`, `key ID (not trusted)` or `none`, per file when they differ. */
  readonly signature: string;
}

const IN_TREE = 'in-tree (signed by the build)';

export class ModuleTrust {
  /** The flags each version loaded for this machine brings (the last load of it), for the update hooks. */
  private readonly brought = new WeakMap<ModuleDef, readonly TaintFlag[]>();
  /** What vouched for each version loaded for this machine (the last load of it). */
  private readonly signatures = new WeakMap<ModuleDef, string>();

  /** Updates find versions through the check too. */
  readonly resolver: VersionResolver = {
    load: (spec) => this.load(spec),
    candidates: () => catalogResolver.candidates(),
  };

  constructor(private readonly k: Kernel) {
    k.updates.phases.add((r, e) => {
      if (e.phase !== 'prepare' && e.phase !== 'commit') return;
      for (const m of (r.detail as Partial<Plan> | undefined)?.modules ?? []) {
        const flags = this.brought.get(m.newDef) ?? [];
        if (e.phase === 'prepare') for (const f of flags) k.taint.add(f, m.name);
        else this.mark(k.loader.get(m.name), flags);
      }
    });
  }

  /** Load `spec` (a catalog name or a file), checking every file it reads against the machine's policy first. */
  async load(spec: string): Promise<CheckedVersion> {
    const flags = new Set<TaintFlag>();
    const seen = new Set<string>();
    const v = await loadModuleDef(spec, this.fileCheck(flags, seen));
    const taints = [...flags];
    const signature = seen.size === 0 ? IN_TREE : [...seen].join('; ');
    this.brought.set(v.def, taints);
    this.signatures.set(v.def, signature);
    return { ...v, taints, signature };
  }

  /** What vouched for a version: as load found it, or in-tree for the catalog's own (loaded by name, never checked). */
  signatureOf(def: ModuleDef, source: string): string {
    return this.signatures.get(def) ?? (source.startsWith('catalog:') ? IN_TREE : 'unknown (not loaded through the check)');
  }

  /**
   * insmod `spec` with `params`; the kernel and the module are tainted with
   * what the version brings once it is loaded. (Linux taints before the
   * module's init runs, and keeps the taint if the load then fails; here a
   * failed insmod leaves the machine as it was, as every failed command does.)
   */
  async insmod(spec: string, params: Readonly<Record<string, string>> = {}): Promise<LoadedModule> {
    const v = await this.load(spec);
    const mod = this.k.loader.insmod(v.def, params, v.source);
    for (const f of v.taints) this.k.taint.add(f, mod.name);
    this.mark(mod, v.taints);
    return mod;
  }

  private mark(mod: LoadedModule | undefined, flags: readonly TaintFlag[]): void {
    for (const f of flags) mod?.taints.add(f);
  }

  /** The check of one file: its payload to compile, the flags it brings added to `flags`; EKEYREJECTED or EBADMSG if refused. */
  private fileCheck(flags: Set<TaintFlag>, seen: Set<string>): FileCheck {
    const policy = this.k.moduleSig;
    return (file, bytes) => {
      if (inTree(file)) {
        seen.add(IN_TREE);
        return bytes;
      }
      const { payload, signature } = splitSignature(file, bytes);
      const key = signature ? policy.key(signature.keyId) : undefined;
      if (signature && key) {
        if (!signatureMatches(payload, signature, createPublicKey(key.pem))) {
          throw err('EKEYREJECTED', `${file} does not match its signature by key ${key.id}: it was changed after it was signed`, `if the change is yours, sign it again: livemod sign ${file}`);
        }
        seen.add(`key ${key.id}`);
      } else if (policy.required) {
        const trusted = policy.trustedKeys.map((t) => t.id).join(', ') || 'none';
        const how = `trusted keys: ${trusted}; boot with --trusted-key PUBLIC_KEY_FILE to trust another`;
        if (!signature) throw err('EKEYREJECTED', `${file} is not signed, and this machine requires signed modules`, `sign it with a trusted key: livemod sign ${file} --key PRIVATE_KEY_FILE; ${how}`);
        throw err('EKEYREJECTED', `${file} is signed by key ${signature.keyId}, which this machine does not trust`, `sign it with a trusted key, or trust this one; ${how}`);
      } else {
        flags.add('unsigned'); // no signature, or one this machine cannot check: loads, and taints
        seen.add(signature ? `key ${signature.keyId} (not trusted)` : 'none');
      }
      flags.add('out-of-tree');
      return payload;
    };
  }
}

const trusts = new WeakMap<Kernel, ModuleTrust>();

/** The one ModuleTrust of kernel `k` (made on first use, so that its update hooks are registered once). */
export function moduleTrust(k: Kernel): ModuleTrust {
  let t = trusts.get(k);
  if (!t) trusts.set(k, (t = new ModuleTrust(k)));
  return t;
}

/**
 * Load each spec through the check of a machine with signature policy
 * `moduleSig`, and throw the first refusal (EKEYREJECTED, EBADMSG, ENOENT):
 * what a command that boots many machines (check, sweep) does before its
 * first run, so that a refused file is one error and not one per run.
 */
export async function checkModuleFiles(specs: readonly string[], moduleSig: ModuleSigOptions): Promise<void> {
  const trust = moduleTrust(bootKernel({}, { moduleSig }));
  for (const spec of specs) await trust.load(spec);
}
