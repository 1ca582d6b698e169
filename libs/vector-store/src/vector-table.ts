/** Names of one knowledge base's vector table, in the layout LlamaIndex's Python PGVectorStore writes. */
export interface VectorTable {
  schema: string;
  name: string;
  /** `"schema"."data_name"`, safe to interpolate. */
  qualified: string;
  unqualified: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,57}$/;

export class InvalidTableNameError extends Error {
  constructor(name: string) {
    super(`'${name}' is not a plain identifier (lowercase letters, digits and _, up to 58 characters)`);
    this.name = 'InvalidTableNameError';
  }
}

/** The only place a table name meets SQL: anything but a plain identifier is refused here. */
export function vectorTable(name: string, schema = 'ai'): VectorTable {
  if (!IDENTIFIER.test(name)) throw new InvalidTableNameError(name);
  if (!IDENTIFIER.test(schema)) throw new InvalidTableNameError(schema);
  const unqualified = `data_${name}`;
  return { schema, name, unqualified, qualified: `"${schema}"."${unqualified}"` };
}
