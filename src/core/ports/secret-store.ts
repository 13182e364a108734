// Generated secrets (database passwords, notebook tokens) never enter the desired-state
// repository, which is public: they live here and engines hand them to the instance.

export interface SecretStore {
  /** Returns the instance's secrets with these names, generating (once) those missing. */
  ensure(project: string, instance: string, names: readonly string[], generate: () => string): Promise<Record<string, string>>;
  /** Sets these secrets of the instance (a password its owner chose), replacing those of the same names. */
  put(project: string, instance: string, values: Readonly<Record<string, string>>): Promise<void>;
  /** Every secret of the instance, by name (what its owner may read). */
  read(project: string, instance: string): Promise<Record<string, string>>;
  /** Forgets every secret of the instance. */
  remove(project: string, instance: string): Promise<void>;
  /** The instances that hold secrets (to collect those of instances that no longer exist). */
  owners(): Promise<{ project: string; instance: string }[]>;
}
