import { ingestionEnvSpec, loadConfig } from '../../../cloudrun/ingestion/src/config';
import { apiEnvSpec, loadApiConfig } from '../../../apps/api/src/config/api-config';
import type { EnvContract } from './env-contract';
import type { ServiceName } from './paths';

/**
 * What each deployable reads: its exported env spec (the one source of truth) and the
 * "required when" rules its loadConfig() adds, restated here because they are code, not data.
 * The checks also run loadConfig() itself on the manifest's environment, so a rule missing
 * here is still caught there.
 */
export const CONTRACTS: Record<ServiceName, EnvContract & { load(env: NodeJS.ProcessEnv): unknown }> = {
  ingestion: {
    spec: ingestionEnvSpec,
    requiredWhen: [
      { when: { AUTH_MODE: 'api-key' }, allOf: ['SYSTEM_API_KEY'] },
      { when: { AUTH_MODE: 'oidc' }, allOf: ['OIDC_AUDIENCE', 'OIDC_ALLOWED_CALLERS'] },
      { anyOf: ['GCS_BUCKET', 'GCS_ALLOWED_BUCKETS'] },
    ],
    load: loadConfig,
  },
  api: {
    spec: apiEnvSpec,
    requiredWhen: [
      { when: { AUTH_MODE: 'api-key' }, allOf: ['SYSTEM_API_KEY'] },
      { when: { AUTH_MODE: 'oidc' }, allOf: ['OIDC_AUDIENCE', 'OIDC_ALLOWED_CALLERS'] },
    ],
    load: loadApiConfig,
  },
};

/** Sample values of the Secret Manager secrets, shaped like the ones Terraform writes. */
export const SAMPLE_SECRETS: Record<string, string> = {
  'docingest-database-url': 'postgresql://docingest:Pa55word@localhost/docingest?host=/cloudsql/sample-project:europe-west1:docingest-pg',
  'docingest-redis-url': 'redis://:auth-string@10.1.2.3:6379',
  'docingest-admin-api-key': 'sample-admin-key-0123456789abcdef',
  'docingest-openai-api-key': 'sk-sample',
  'docingest-system-api-key': 'sample-system-key-0123456789abcdef',
};
