/**
 * PGlite is one session, so prepared statements would be shared by every client: two `pg`
 * clients preparing `{ name: 'x' }` with different SQL would collide ("prepared statement
 * already exists"). Each connection's statement names get its own prefix, in the messages
 * that carry one: Parse, Bind, Describe and Close. The unnamed statement and portals need no
 * prefix: a connection keeps the session from its Parse to its Sync, and through any
 * transaction, which is all they live for.
 */
export class StatementNames {
  private readonly owned = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** Names this connection prepared and did not close: to close when it goes away. */
  get prepared(): string[] {
    return [...this.owned];
  }

  rewrite(type: string, message: Buffer): Buffer {
    switch (type) {
      case 'P': {
        const renamed = this.renameAt(message, 5);
        if (renamed.name) this.owned.add(renamed.name);
        return renamed.message;
      }
      case 'B':
        return this.renameAt(message, message.indexOf(0, 5) + 1).message;
      case 'D':
        return message[5] === 0x53 /* S */ ? this.renameAt(message, 6).message : message;
      case 'C': {
        if (message[5] !== 0x53) return message;
        const renamed = this.renameAt(message, 6);
        this.owned.delete(renamed.name);
        return renamed.message;
      }
      default:
        return message;
    }
  }

  /** Prefixes the NUL-terminated name starting at `offset`, fixing the length field. */
  private renameAt(message: Buffer, offset: number): { message: Buffer; name: string } {
    const end = message.indexOf(0, offset);
    if (end <= offset) return { message, name: '' }; // unnamed, or malformed: Postgres will say so
    const name = `${this.prefix}${message.toString('utf8', offset, end)}`;
    const renamed = Buffer.concat([message.subarray(0, offset), Buffer.from(name, 'utf8'), message.subarray(end)]);
    renamed.writeInt32BE(renamed.length - 1, 1);
    return { message: renamed, name };
  }
}
