import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hcl2json = require('@cdktf/hcl2json') as { parse(filename: string, contents: string): Promise<HclJson> };

/** hcl2json's shape: blocks by type and name, each a list (a name may repeat across files). */
type Body = Record<string, unknown>;
interface HclJson {
  resource?: Record<string, Record<string, Body[]>>;
  data?: Record<string, Record<string, Body[]>>;
  variable?: Record<string, Body[]>;
  output?: Record<string, Body[]>;
  locals?: Body[];
  terraform?: Body[];
  provider?: Record<string, Body[]>;
}

export interface TerraformConfig {
  files: Record<string, string>;
  resources: Record<string, Record<string, Body>>;
  variables: Record<string, Body>;
  outputs: Record<string, Body>;
  locals: Record<string, unknown>;
  terraform: Body[];
}

export class TerraformParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerraformParseError';
  }
}

/** Parses HCL text; rejects with the file name and hcl2json's own position and reason. */
export async function parseHcl(filename: string, text: string): Promise<HclJson> {
  try {
    return await hcl2json.parse(filename, text);
  } catch (error) {
    throw new TerraformParseError(`${filename} does not parse: ${(error as Error).message ?? error}`);
  }
}

function mergeNamed(target: Record<string, Body>, blocks: Record<string, Body[]> | undefined, kind: string, file: string): void {
  for (const [name, list] of Object.entries(blocks ?? {})) {
    if (name in target || list.length > 1) throw new TerraformParseError(`${kind} "${name}" is declared twice (again in ${file})`);
    target[name] = list[0];
  }
}

/** Every *.tf file of a directory, parsed and merged as Terraform sees one module. */
export async function loadTerraform(dir: string): Promise<TerraformConfig> {
  const config: TerraformConfig = { files: {}, resources: {}, variables: {}, outputs: {}, locals: {}, terraform: [] };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    config.files[file] = text;
    const json = await parseHcl(file, text);
    for (const [type, named] of Object.entries(json.resource ?? {})) {
      mergeNamed((config.resources[type] ??= {}), named, `resource ${type}`, file);
    }
    mergeNamed(config.variables, json.variable, 'variable', file);
    mergeNamed(config.outputs, json.output, 'output', file);
    for (const block of json.locals ?? []) {
      for (const [name, value] of Object.entries(block)) {
        if (name in config.locals) throw new TerraformParseError(`local "${name}" is declared twice (again in ${file})`);
        config.locals[name] = value;
      }
    }
    config.terraform.push(...(json.terraform ?? []));
  }
  return config;
}

/** The resources of one type, by name (empty when there are none). */
export function resourcesOf(config: TerraformConfig, type: string): Record<string, Body> {
  return config.resources[type] ?? {};
}

/** `"${local.x}"` or `"${var.x}"` (with a default) as its literal value; anything else unchanged. */
export function resolveLiteral(config: TerraformConfig, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const local = /^\$\{local\.([a-z0-9_]+)\}$/.exec(value);
  if (local && local[1] in config.locals) return resolveLiteral(config, config.locals[local[1]]);
  const variable = /^\$\{var\.([a-z0-9_]+)\}$/.exec(value);
  if (variable && config.variables[variable[1]] && 'default' in config.variables[variable[1]]) return config.variables[variable[1]].default;
  return value;
}

/** Names of the variables a module's text refers to (var.<name>). */
export function referencedVariables(config: TerraformConfig): Set<string> {
  const names = new Set<string>();
  for (const text of Object.values(config.files)) for (const [, name] of text.matchAll(/\bvar\.([a-z0-9_]+)/g)) names.add(name);
  return names;
}
