import type { ServiceName } from './paths';
import type { ServiceManifest } from './service-manifest';
import { resolveLiteral, resourcesOf, type TerraformConfig } from './terraform';

/** The Terraform module and the manifests it must agree with. */
export interface Deployment {
  tf: TerraformConfig;
  manifests: Record<ServiceName, ServiceManifest>;
}

type Body = Record<string, unknown>;

const SA_REF = /^\$\{google_service_account\.([a-z0-9_]+)\.email\}$/;
const INGRESS: Record<string, string> = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};

function first(value: unknown): Body {
  return (Array.isArray(value) ? value[0] : value) as Body;
}

/** Members of an IAM binding, with `each.value` expanded over a literal for_each map. */
function membersOf(binding: Body): string[] {
  const member = String(binding.member);
  const forEach = binding.for_each;
  if (member.includes('${each.value}') && forEach && typeof forEach === 'object' && !Array.isArray(forEach)) {
    // The map's values are themselves references ("${google_service_account.api.email}").
    return Object.values(forEach as Record<string, string>).map((value) => member.replace('${each.value}', () => value));
  }
  return [member];
}

/** `serviceAccount:${google_service_account.X.email}` → X. */
function serviceAccountResource(member: string): string | undefined {
  return /^serviceAccount:\$\{google_service_account\.([a-z0-9_]+)\.email\}$/.exec(member)?.[1];
}

/** The google_cloud_run_v2_service resource key whose name is the manifest's service name. */
export function terraformServiceKey(d: Deployment, service: ServiceName): string | undefined {
  const services = resourcesOf(d.tf, 'google_cloud_run_v2_service');
  return Object.keys(services).find((key) => resolveLiteral(d.tf, services[key].name) === d.manifests[service].name);
}

/** The google_service_account resource key whose account_id is the manifest's service account. */
export function terraformAccountKey(d: Deployment, email: string): string | undefined {
  const accounts = resourcesOf(d.tf, 'google_service_account');
  const accountId = email.split('@')[0];
  return Object.keys(accounts).find((key) => resolveLiteral(d.tf, accounts[key].account_id) === accountId);
}

function listValue(manifest: ServiceManifest, name: string): string[] {
  return (manifest.env.find((e) => e.name === name)?.value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Each manifest has a Terraform service of the same name, running as the same account, with the same ingress. */
export function serviceProblems(d: Deployment): string[] {
  const problems: string[] = [];
  for (const service of Object.keys(d.manifests) as ServiceName[]) {
    const manifest = d.manifests[service];
    const key = terraformServiceKey(d, service);
    if (!key) {
      problems.push(`no google_cloud_run_v2_service is named ${manifest.name} (${service} manifest)`);
      continue;
    }
    const resource = resourcesOf(d.tf, 'google_cloud_run_v2_service')[key];
    const accountRef = SA_REF.exec(String(first(resource.template)?.service_account))?.[1];
    const manifestAccount = terraformAccountKey(d, manifest.serviceAccountName);
    if (!accountRef || accountRef !== manifestAccount) {
      problems.push(`${manifest.name}: Terraform runs it as ${accountRef ?? 'no account'}, the manifest as ${manifest.serviceAccountName}`);
    }
    const ingress = manifest.serviceAnnotations['run.googleapis.com/ingress'];
    if (INGRESS[ingress] !== resource.ingress) problems.push(`${manifest.name}: ingress is ${resource.ingress} in Terraform, ${ingress} in the manifest`);
    const ignored = (first(resource.lifecycle)?.ignore_changes as string[] | undefined) ?? [];
    if (!ignored.includes('${template}')) problems.push(`${manifest.name}: Terraform must ignore template changes, or every apply rolls back the deployed revision`);
  }
  return problems;
}

/**
 * Cloud Run IAM and the app's own caller list agree: every account a service accepts
 * (OIDC_ALLOWED_CALLERS) holds run.invoker on it, no other account does, and the
 * ingestion service is never public.
 */
export function invokerProblems(d: Deployment): string[] {
  const problems: string[] = [];
  const bindings = Object.entries(resourcesOf(d.tf, 'google_cloud_run_v2_service_iam_member'));
  for (const service of Object.keys(d.manifests) as ServiceName[]) {
    const manifest = d.manifests[service];
    const key = terraformServiceKey(d, service);
    if (!key) continue;
    const onService = bindings.filter(([, b]) => b.name === `\${google_cloud_run_v2_service.${key}.name}` && b.role === 'roles/run.invoker');
    const invokerAccounts = new Set(
      onService
        .flatMap(([, b]) => membersOf(b))
        .map(serviceAccountResource)
        .filter((a): a is string => Boolean(a)),
    );
    const allowed = listValue(manifest, 'OIDC_ALLOWED_CALLERS');
    for (const email of allowed) {
      const account = terraformAccountKey(d, email);
      if (!account) problems.push(`${manifest.name} accepts ${email}, which Terraform does not create`);
      else if (!invokerAccounts.has(account)) problems.push(`${manifest.name} accepts ${email} but Terraform gives it no roles/run.invoker there`);
    }
    const allowedAccounts = new Set(allowed.map((email) => terraformAccountKey(d, email)));
    for (const account of invokerAccounts) {
      if (!allowedAccounts.has(account)) problems.push(`${manifest.name}: ${account} may invoke it (IAM) but the app rejects its tokens (not in OIDC_ALLOWED_CALLERS)`);
    }
    for (const [name, binding] of onService) {
      if (!membersOf(binding).some((m) => m === 'allUsers' || m === 'allAuthenticatedUsers')) continue;
      if (service === 'ingestion') problems.push(`${manifest.name} must not be public (binding ${name})`);
      else if (!('count' in binding)) problems.push(`${manifest.name}: the public binding ${name} must be opt-in (count on a variable)`);
    }
  }
  return problems;
}

function roleHolders(d: Deployment, type: string, role: string, target?: (b: Body) => boolean): Set<string> {
  return new Set(
    Object.values(resourcesOf(d.tf, type))
      .filter((b) => b.role === role && (!target || target(b)))
      .flatMap(membersOf)
      .map(serviceAccountResource)
      .filter((a): a is string => Boolean(a)),
  );
}

/** Bucket and database access: ingestion reads uploads, the api writes them, both reach Cloud SQL. */
export function dataAccessProblems(d: Deployment): string[] {
  const problems: string[] = [];
  const buckets = resourcesOf(d.tf, 'google_storage_bucket');
  const uploads = Object.keys(buckets).find((key) => buckets[key].name === '${local.bucket}');
  if (!uploads) return ['no google_storage_bucket is named local.bucket (the uploads bucket)'];
  const onUploads = (b: Body) => b.bucket === `\${google_storage_bucket.${uploads}.name}`;
  const account = (service: ServiceName) => terraformAccountKey(d, d.manifests[service].serviceAccountName) ?? `<${service} account>`;
  const expectations: Array<[ServiceName, string, Set<string>]> = [
    ['ingestion', 'roles/storage.objectViewer on the uploads bucket', roleHolders(d, 'google_storage_bucket_iam_member', 'roles/storage.objectViewer', onUploads)],
    ['api', 'roles/storage.objectAdmin on the uploads bucket', roleHolders(d, 'google_storage_bucket_iam_member', 'roles/storage.objectAdmin', onUploads)],
    ['ingestion', 'roles/cloudsql.client', roleHolders(d, 'google_project_iam_member', 'roles/cloudsql.client')],
    ['api', 'roles/cloudsql.client', roleHolders(d, 'google_project_iam_member', 'roles/cloudsql.client')],
    ['ingestion', 'roles/aiplatform.user (Vertex AI embeddings)', roleHolders(d, 'google_project_iam_member', 'roles/aiplatform.user')],
  ];
  for (const [service, what, holders] of expectations) {
    if (!holders.has(account(service))) problems.push(`${d.manifests[service].name} needs ${what}`);
  }
  if (roleHolders(d, 'google_storage_bucket_iam_member', 'roles/storage.objectAdmin', onUploads).has(account('ingestion'))) {
    problems.push(`${d.manifests.ingestion.name} only reads uploads: objectViewer, not objectAdmin`);
  }
  return problems;
}

/**
 * Secrets: every secret a manifest mounts is created by Terraform and readable by that
 * service's account, and no account reads a secret its manifest does not mount.
 */
export function secretProblems(d: Deployment): string[] {
  const problems: string[] = [];
  const ids = (d.tf.locals.secret_ids ?? {}) as Record<string, string>;
  const readers = (d.tf.locals.secret_readers ?? {}) as Record<string, string[]>;
  const keyOf = new Map(Object.entries(ids).map(([key, id]) => [id, key]));
  const grants = Object.values(resourcesOf(d.tf, 'google_secret_manager_secret_iam_member'));
  if (!grants.some((g) => JSON.stringify(g.for_each ?? '').includes('local.secret_readers') && g.role === 'roles/secretmanager.secretAccessor')) {
    problems.push('no secretAccessor binding is driven by local.secret_readers');
  }
  for (const service of Object.keys(d.manifests) as ServiceName[]) {
    const manifest = d.manifests[service];
    const mounted = manifest.env.filter((e) => e.secret).map((e) => e.secret!.name);
    const granted = new Set(readers[service] ?? []);
    for (const id of mounted) {
      const key = keyOf.get(id);
      if (!key) problems.push(`${manifest.name} mounts secret ${id}, which Terraform does not create (local.secret_ids)`);
      else if (!granted.has(key)) problems.push(`${manifest.name} mounts secret ${id} but local.secret_readers.${service} does not grant it`);
    }
    const mountedKeys = new Set(mounted.map((id) => keyOf.get(id)));
    for (const key of granted) if (!mountedKeys.has(key)) problems.push(`${manifest.name} may read secret ${ids[key] ?? key} but does not mount it`);
  }
  return problems;
}

/** Secrets mounted by a manifest that Terraform gives no version (someone must add one by hand). */
export function secretsWithoutVersion(d: Deployment): string[] {
  const ids = (d.tf.locals.secret_ids ?? {}) as Record<string, string>;
  const versioned = new Set(Object.values(resourcesOf(d.tf, 'google_secret_manager_secret_version')).map((v) => /\["([a-z0-9_]+)"\]/.exec(String(v.secret))?.[1]));
  const mounted = new Set(Object.values(d.manifests).flatMap((m) => m.env.filter((e) => e.secret).map((e) => e.secret!.name)));
  return [...mounted].filter((id) => !versioned.has(Object.keys(ids).find((key) => ids[key] === id))).sort();
}
