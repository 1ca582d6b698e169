import type { EnvEntry } from './service-manifest';

/** An envalid spec as the apps export it: one validator object per variable. */
export type EnvSpec = Record<string, { default?: unknown; desc?: string }>;

/**
 * A rule the app enforces in its loadConfig() beyond the spec: when every `when` variable has
 * the given value, all of `allOf` (or at least one of `anyOf`) must be set and non-empty.
 */
export interface RequiredWhen {
  when?: Record<string, string>;
  allOf?: string[];
  anyOf?: string[];
}

export interface EnvContract {
  spec: EnvSpec;
  requiredWhen: RequiredWhen[];
}

/** Set by Cloud Run itself; a manifest that sets them is rejected. */
const CLOUD_RUN_RESERVED = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'];
/** Credentials: they come from Secret Manager, never as a plain value in a manifest. */
const CREDENTIAL = /(_KEY|_PASSWORD|_SECRET|_TOKEN|^DATABASE_URL|^REDIS_URL)$/;

/** A spec variable is required when it has no default (envalid then refuses to start without it). */
export function requiredBySpec(spec: EnvSpec): string[] {
  return Object.keys(spec).filter((name) => !('default' in spec[name]) || spec[name].default === undefined);
}

/**
 * Every problem between what a manifest sets and what the app reads, both ways: a variable the
 * app does not know (renamed or removed), a required one not set, one set twice, a reserved
 * name, a credential in plain text. Empty when the manifest and the spec agree.
 */
export function envContractProblems(env: EnvEntry[], contract: EnvContract): string[] {
  const problems: string[] = [];
  const byName = new Map<string, EnvEntry>();
  for (const entry of env) {
    if (byName.has(entry.name)) problems.push(`${entry.name} is set twice`);
    byName.set(entry.name, entry);
  }
  for (const name of byName.keys()) {
    if (CLOUD_RUN_RESERVED.includes(name)) problems.push(`${name} is reserved: Cloud Run sets it`);
    else if (!(name in contract.spec)) problems.push(`${name} is set but the app's env spec has no such variable (renamed or removed?)`);
  }
  for (const name of requiredBySpec(contract.spec)) {
    if (!byName.has(name)) problems.push(`${name} is required by the env spec (no default) but not set`);
  }
  const valueOf = (name: string): string | undefined => {
    const entry = byName.get(name);
    if (entry?.secret) return `<secret ${entry.secret.name}>`;
    if (entry) return entry.value;
    const fallback = contract.spec[name]?.default;
    return fallback === undefined ? undefined : String(fallback);
  };
  const isSet = (name: string) => Boolean(valueOf(name));
  for (const rule of contract.requiredWhen) {
    const applies = Object.entries(rule.when ?? {}).every(([name, value]) => valueOf(name) === value);
    if (!applies) continue;
    const condition = rule.when
      ? ` when ${Object.entries(rule.when)
          .map(([n, v]) => `${n}=${v}`)
          .join(', ')}`
      : '';
    for (const name of rule.allOf ?? []) if (!isSet(name)) problems.push(`${name} is required${condition} but not set`);
    if (rule.anyOf && !rule.anyOf.some(isSet)) problems.push(`one of ${rule.anyOf.join(', ')} is required${condition} but none is set`);
  }
  for (const entry of byName.values()) {
    if (CREDENTIAL.test(entry.name) && !entry.secret) problems.push(`${entry.name} holds a credential: take it from Secret Manager (valueFrom.secretKeyRef)`);
  }
  return problems;
}

/**
 * The environment a revision would see, with a sample value per secret, so the app's own
 * loadConfig() can be run on it.
 */
export function environmentOf(env: EnvEntry[], secretValues: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env) {
    if (entry.secret) {
      const value = secretValues[entry.secret.name];
      if (value === undefined) throw new Error(`no sample value for secret ${entry.secret.name} (add it to the check's SAMPLE_SECRETS)`);
      out[entry.name] = value;
    } else {
      out[entry.name] = entry.value ?? '';
    }
  }
  return out;
}
