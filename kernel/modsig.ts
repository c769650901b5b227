// A kernel's module signature policy, as data: whether a module file must
// carry a valid signature to load (Linux's module.sig_enforce, which its
// lockdown also imposes) and the public keys it trusts (Linux's trusted
// keyring). The kernel only holds the policy; the host's loader
// (catalog/trust.ts) checks a file against it before any code of the file
// runs, as Linux checks a module's signature before it lays out the module.
// Enforcement is one way: once on, only a reboot (a new machine) lifts it.

/** A public key the machine trusts: its id (catalog/signing.ts), its PEM text and where it was read from. */
export interface TrustedKey {
  readonly id: string;
  readonly pem: string;
  readonly file: string;
}

export interface ModuleSigOptions {
  /** Refuse module files without a valid signature by a trusted key (EKEYREJECTED). */
  readonly required?: boolean;
  readonly trustedKeys?: readonly TrustedKey[];
}

export class ModuleSigPolicy {
  private enforced: boolean;
  readonly trustedKeys: readonly TrustedKey[];

  constructor(options: ModuleSigOptions = {}) {
    this.enforced = options.required === true;
    this.trustedKeys = [...(options.trustedKeys ?? [])];
  }

  /** Are signatures required now? */
  get required(): boolean {
    return this.enforced;
  }

  /** Require signatures from now on (idempotent; there is no way back). */
  require(): void {
    this.enforced = true;
  }

  /** The trusted key with id `id`, if any. */
  key(id: string): TrustedKey | undefined {
    return this.trustedKeys.find((k) => k.id === id);
  }
}
