import { badRequest, preconditionFailed } from './gcs-errors';
import type { ObjectRecord } from './object-store';

export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

const NAMES = ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const;

export function preconditionsFrom(query: URLSearchParams): Preconditions {
  const out: Preconditions = {};
  for (const name of NAMES) {
    const value = query.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) throw badRequest(`${name} must be a whole number, not "${value}"`);
    out[name] = value;
  }
  return out;
}

/** Throws a 412 when `current` (undefined: no such object) does not meet the conditions. */
export function checkPreconditions(current: ObjectRecord | undefined, conditions: Preconditions): void {
  const { ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch, ifMetagenerationNotMatch } = conditions;
  const generation = current?.generation ?? '0';
  if (ifGenerationMatch !== undefined && ifGenerationMatch !== generation) {
    throw preconditionFailed(`ifGenerationMatch=${ifGenerationMatch} but the object's generation is ${generation}`);
  }
  if (ifGenerationNotMatch !== undefined && ifGenerationNotMatch === generation) {
    throw preconditionFailed(`ifGenerationNotMatch=${ifGenerationNotMatch} but that is the object's generation`);
  }
  if (ifMetagenerationMatch !== undefined && ifMetagenerationMatch !== current?.metageneration) {
    throw preconditionFailed(`ifMetagenerationMatch=${ifMetagenerationMatch} but the object's metageneration is ${current?.metageneration ?? 'none'}`);
  }
  if (ifMetagenerationNotMatch !== undefined && current && ifMetagenerationNotMatch === current.metageneration) {
    throw preconditionFailed(`ifMetagenerationNotMatch=${ifMetagenerationNotMatch} but that is the object's metageneration`);
  }
}
