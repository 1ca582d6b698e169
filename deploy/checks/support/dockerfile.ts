import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Instructions with continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!match) throw new Error(`not an instruction: ${full}`);
    out.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }
  return out;
}

/** Enough of a Dockerfile parser for the checks: global ARG defaults and stages with their instructions. */
export function parseDockerfile(text: string): Dockerfile {
  const dockerfile: Dockerfile = { args: {}, stages: [] };
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}/g, (_, arg: string) => dockerfile.args[arg] ?? '');
      dockerfile.stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (dockerfile.stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=');
      dockerfile.args[name] = value;
    } else {
      dockerfile.stages.at(-1)!.instructions.push(instruction);
    }
  }
  return dockerfile;
}

export function loadDockerfile(file: string): Dockerfile {
  return parseDockerfile(readFileSync(file, 'utf8'));
}

/** The JSON-array (exec) form of CMD, or null for the shell form. */
export function execForm(instruction: Instruction | undefined): string[] | null {
  if (!instruction || !instruction.args.startsWith('[')) return null;
  return JSON.parse(instruction.args) as string[];
}

/** `COPY --from=<stage> <src> <dest>` of a stage: [src, dest] pairs. */
export function copiesFrom(stage: Stage, from: string): Array<[string, string]> {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && i.args.startsWith(`--from=${from} `))
    .map((i) => {
      const [src, dest] = i.args.slice(`--from=${from} `.length).trim().split(/\s+/);
      return [src, dest];
    });
}
