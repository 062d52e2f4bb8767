import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** TOKEN_ENCRYPTION_KEY: 32 bytes in standard base64, as `openssl rand -base64 32` prints; undefined for anything else. */
export function parseEncryptionKey(base64: string): Buffer | undefined {
  const key = Buffer.from(base64, 'base64');
  // Buffer.from skips what is not base64 instead of failing; encoding back catches that and a wrong length.
  return key.length === KEY_BYTES && key.toString('base64') === base64 ? key : undefined;
}

/**
 * AES-256-GCM for the tokens kept at rest: a random IV per record and the auth tag stored with it.
 * `context` is authenticated but not stored: a record copied to another user's entry does not open.
 */
export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`The token encryption key must be ${KEY_BYTES} bytes`);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** Throws when the record was altered, belongs to another context or was sealed with another key. */
  open(sealed: string, context: string): string {
    const [format, iv, tag, data, ...rest] = sealed.split('.');
    if (format !== FORMAT || !iv || !tag || data === undefined || rest.length) throw new Error('Not a sealed token record');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
