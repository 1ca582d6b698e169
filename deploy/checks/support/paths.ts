import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const TERRAFORM_DIR = join(DEPLOY_DIR, 'terraform');

export const MANIFESTS = {
  ingestion: join(DEPLOY_DIR, 'cloudrun/ingestion.service.yaml'),
  api: join(DEPLOY_DIR, 'cloudrun/api.service.yaml'),
} as const;

export const DOCKERFILES = {
  ingestion: join(DEPLOY_DIR, 'ingestion.Dockerfile'),
  api: join(DEPLOY_DIR, 'api.Dockerfile'),
} as const;

export type ServiceName = keyof typeof MANIFESTS;
