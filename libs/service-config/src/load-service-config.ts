import { cleanEnv, type CleanedEnv } from 'envalid';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The settings both services share for calls between them. */
export interface ServiceAuthSettings {
  AUTH_MODE: string;
  SYSTEM_API_KEY: string;
  OIDC_AUDIENCE: string;
  OIDC_ALLOWED_CALLERS: string[];
}

/** Rules that span several variables, which envalid's per-variable checks cannot express. */
export function serviceAuthProblem(config: ServiceAuthSettings): string | undefined {
  if (config.AUTH_MODE === 'api-key' && !config.SYSTEM_API_KEY) return 'SYSTEM_API_KEY: required when AUTH_MODE=api-key';
  if (config.AUTH_MODE === 'oidc' && (!config.OIDC_AUDIENCE || config.OIDC_ALLOWED_CALLERS.length === 0)) {
    return 'OIDC_AUDIENCE and OIDC_ALLOWED_CALLERS: required when AUTH_MODE=oidc';
  }
  return undefined;
}

/**
 * Reads and checks the environment against `spec`, then the cross-variable `rules` in order;
 * throws a ConfigError naming every bad variable (or the first broken rule).
 */
export function loadServiceConfig<S extends Record<string, unknown>>(
  env: NodeJS.ProcessEnv,
  spec: S,
  rules: Array<(config: CleanedEnv<S>) => string | undefined> = [],
): CleanedEnv<S> {
  const problems: string[] = [];
  const config = cleanEnv(env, spec, {
    reporter: ({ errors }) => {
      for (const [name, error] of Object.entries(errors)) problems.push(`${name}: ${(error as Error).message}`);
    },
  });
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  for (const rule of rules) {
    const problem = rule(config);
    if (problem) throw new ConfigError(`invalid configuration: ${problem}`);
  }
  return config;
}
