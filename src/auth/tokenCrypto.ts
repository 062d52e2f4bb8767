import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A record sealed with the single TOKEN_ENCRYPTION_KEY: no key id. */
const SINGLE_KEY_FORMAT = 'v1';
/** A record sealed with one of TOKEN_ENCRYPTION_KEYS: `v2.<key id>.…`. */
const KEYED_FORMAT = 'v2';
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** TOKEN_ENCRYPTION_KEY: 32 bytes in standard base64, as `openssl rand -base64 32` prints; undefined for anything else. */
export function parseEncryptionKey(base64: string): Buffer | undefined {
  const key = Buffer.from(base64, 'base64');
  // Buffer.from skips what is not base64 instead of failing; encoding back catches that and a wrong length.
  return key.length === KEY_BYTES && key.toString('base64') === base64 ? key : undefined;
}

/** A key of TOKEN_ENCRYPTION_KEYS; `id` is empty for the single TOKEN_ENCRYPTION_KEY. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * TOKEN_ENCRYPTION_KEYS, `k2:<base64>,k1:<base64>`: the keys in order, or the problems with it
 * (which never quote a key).
 */
export function parseEncryptionKeys(list: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  for (const [i, entry] of list.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const key = colon > 0 ? parseEncryptionKey(entry.slice(colon + 1)) : undefined;
    if (!KEY_ID.test(id)) problems.push(`entry ${i + 1} needs an id of letters, digits, _ or - before a colon (id:base64)`);
    else if (keys.some((k) => k.id === id)) problems.push(`the id ${id} is used twice`);
    else if (!key) problems.push(`the key ${id} must be 32 random bytes in base64, as \`openssl rand -base64 32\` prints`);
    else keys.push({ id, key });
  }
  if (!keys.length && !problems.length) problems.push('it lists no key');
  return { keys, problems };
}

/**
 * AES-256-GCM for the tokens kept at rest: a random IV per record and the auth tag stored with it.
 * `context` is authenticated but not stored: a record copied to another user's entry does not open.
 * Several keys: the first seals (naming its id in the record), every one opens, so a key can be
 * rotated while records sealed with the one before still open.
 */
export class TokenCipher {
  private readonly keys: readonly EncryptionKey[];

  /** A bare key is the single TOKEN_ENCRYPTION_KEY: it seals in the format of before key ids. */
  constructor(keys: Buffer | readonly EncryptionKey[]) {
    this.keys = Buffer.isBuffer(keys) ? [{ id: '', key: keys }] : keys;
    if (!this.keys.length) throw new RangeError('The token cipher needs a key');
    for (const { key } of this.keys) if (key.length !== KEY_BYTES) throw new RangeError(`The token encryption key must be ${KEY_BYTES} bytes`);
  }

  seal(plaintext: string, context: string): string {
    const [{ id, key }] = this.keys;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const head = id ? [KEYED_FORMAT, id] : [SINGLE_KEY_FORMAT];
    return [...head, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** Whether a record is sealed with the key that seals now (so re-sealing it would change nothing). */
  isCurrent(sealed: string): boolean {
    const [format, id] = sealed.split('.');
    const current = this.keys[0].id;
    return current ? format === KEYED_FORMAT && id === current : format === SINGLE_KEY_FORMAT;
  }

  /** Throws when the record was altered, belongs to another context or was sealed with a key this cipher lacks. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts[0] === KEYED_FORMAT) {
      const [, id, ...rest] = parts;
      const key = this.keys.find((k) => k.id === id);
      if (!key) throw new Error(`The token record was sealed with the key "${id}", which TOKEN_ENCRYPTION_KEYS does not list`);
      return decrypt(key.key, rest, context);
    }
    if (parts[0] !== SINGLE_KEY_FORMAT) throw new Error('Not a sealed token record');
    // A record of before key ids: whichever key was the single one then opens it (GCM tells the others apart).
    let failure: unknown;
    for (const { key } of this.keys) {
      try {
        return decrypt(key, parts.slice(1), context);
      } catch (e) {
        failure = e;
      }
    }
    throw failure;
  }
}

function decrypt(key: Buffer, [iv, tag, data, ...rest]: string[], context: string): string {
  if (!iv || !tag || data === undefined || rest.length) throw new Error('Not a sealed token record');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
