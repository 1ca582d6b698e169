import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { renderManifest } from '../../render-manifest';

/** Values for the manifests' placeholders, shaped like real ones (Cloud Build supplies those). */
export const SAMPLE_PLACEHOLDERS: Record<string, string> = {
  PROJECT_ID: 'sample-project',
  PROJECT_NUMBER: '123456789012',
  REGION: 'europe-west1',
  REPOSITORY: 'docingest',
  TAG: 'build-0001',
  BUCKET: 'sample-project-docingest-uploads',
  SQL_INSTANCE: 'docingest-pg',
  VPC_CONNECTOR: 'docingest-connector',
};

export interface EnvEntry {
  name: string;
  value?: string;
  secret?: { name: string; key: string };
}

export interface ServiceManifest {
  source: string;
  name: string;
  serviceAnnotations: Record<string, string>;
  revisionAnnotations: Record<string, string>;
  serviceAccountName: string;
  timeoutSeconds: number;
  containerConcurrency: number;
  image: string;
  limits: Record<string, string>;
  env: EnvEntry[];
  /** The parsed document, for checks on fields not lifted above. */
  document: Record<string, unknown>;
}

export class ManifestShapeError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ManifestShapeError';
  }
}

type Node = Record<string, unknown>;

function objectAt(value: unknown, path: string, source: string): Node {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ManifestShapeError(source, `${path} must be a mapping`);
  return value as Node;
}

function stringMap(value: unknown, path: string, source: string): Record<string, string> {
  const map = objectAt(value ?? {}, path, source);
  for (const [key, v] of Object.entries(map)) {
    // Cloud Run rejects annotation values that are not strings ("1", "false"), a classic YAML slip.
    if (typeof v !== 'string') throw new ManifestShapeError(source, `${path}.${key} must be a string (quote it), got ${typeof v}`);
  }
  return map as Record<string, string>;
}

function envEntries(value: unknown, source: string): EnvEntry[] {
  if (!Array.isArray(value)) throw new ManifestShapeError(source, 'the container has no env list');
  return value.map((raw, i) => {
    const item = objectAt(raw, `env[${i}]`, source);
    if (typeof item.name !== 'string') throw new ManifestShapeError(source, `env[${i}] has no name`);
    if ('value' in item) {
      if (typeof item.value !== 'string') throw new ManifestShapeError(source, `env ${item.name}: value must be a string (quote it)`);
      return { name: item.name, value: item.value };
    }
    const ref = objectAt(objectAt(item.valueFrom, `env ${item.name}.valueFrom`, source).secretKeyRef, `env ${item.name}.valueFrom.secretKeyRef`, source);
    if (typeof ref.name !== 'string' || typeof ref.key !== 'string') throw new ManifestShapeError(source, `env ${item.name}: secretKeyRef needs name and key`);
    return { name: item.name, secret: { name: ref.name, key: ref.key } };
  });
}

/** Parses a rendered Knative Service manifest into the fields the checks look at. */
export function parseServiceManifest(text: string, source: string): ServiceManifest {
  const document = objectAt(parse(text, { uniqueKeys: true, strict: true }), 'document', source);
  if (document.apiVersion !== 'serving.knative.dev/v1' || document.kind !== 'Service') {
    throw new ManifestShapeError(source, 'expected apiVersion serving.knative.dev/v1, kind Service');
  }
  const metadata = objectAt(document.metadata, 'metadata', source);
  const template = objectAt(objectAt(document.spec, 'spec', source).template, 'spec.template', source);
  const templateSpec = objectAt(template.spec, 'spec.template.spec', source);
  const containers = templateSpec.containers;
  if (!Array.isArray(containers) || containers.length !== 1) throw new ManifestShapeError(source, 'expected exactly one container');
  const container = objectAt(containers[0], 'containers[0]', source);
  const resources = objectAt(container.resources ?? {}, 'resources', source);
  return {
    source,
    name: String(metadata.name),
    serviceAnnotations: stringMap(metadata.annotations, 'metadata.annotations', source),
    revisionAnnotations: stringMap(objectAt(template.metadata ?? {}, 'spec.template.metadata', source).annotations, 'spec.template.metadata.annotations', source),
    serviceAccountName: String(templateSpec.serviceAccountName),
    timeoutSeconds: Number(templateSpec.timeoutSeconds),
    containerConcurrency: Number(templateSpec.containerConcurrency),
    image: String(container.image),
    limits: stringMap(resources.limits, 'resources.limits', source),
    env: envEntries(container.env, source),
    document,
  };
}

/** Reads, renders (sample placeholder values) and parses a manifest file. */
export function loadServiceManifest(file: string, placeholders: Record<string, string> = SAMPLE_PLACEHOLDERS): ServiceManifest {
  return parseServiceManifest(renderManifest(readFileSync(file, 'utf8'), placeholders, file), file);
}
