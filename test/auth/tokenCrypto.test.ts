import { randomBytes } from 'node:crypto';
import { parseEncryptionKey, TokenCipher } from '../../src/auth/tokenCrypto';

const key = randomBytes(32);
const cipher = new TokenCipher(key);
const TOKEN = 'eyJhbGciOi.access-token-8f2c1a.sig';

describe('parseEncryptionKey', () => {
  it('takes 32 bytes in standard base64, as `openssl rand -base64 32` prints', () => {
    const b64 = key.toString('base64');
    expect(b64).toHaveLength(44);
    expect(parseEncryptionKey(b64)?.equals(key)).toBe(true);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['hex', randomBytes(32).toString('hex')],
    ['base64url', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['a passphrase', 'correct horse battery staple correct horse b'],
    ['base64 with junk', `${key.toString('base64').slice(0, 40)}!!!=`],
  ])('refuses %s', (_label, raw) => {
    expect(parseEncryptionKey(raw)).toBeUndefined();
  });
});

describe('TokenCipher (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV for every record', () => {
    const a = cipher.seal(TOKEN, 'U1');
    const b = cipher.seal(TOKEN, 'U1');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(a).not.toContain(TOKEN);
    expect(cipher.open(a, 'U1')).toBe(TOKEN);
    expect(cipher.open(b, 'U1')).toBe(TOKEN);
  });

  it('refuses a record opened in another context (another user), with another key, or altered', () => {
    const sealed = cipher.seal(TOKEN, 'U1');
    expect(() => cipher.open(sealed, 'U2')).toThrow();
    expect(() => new TokenCipher(randomBytes(32)).open(sealed, 'U1')).toThrow();
    const [format, iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(() => cipher.open([format, iv, tag, flipped.toString('base64url')].join('.'), 'U1')).toThrow();
    expect(() => cipher.open([format, iv, tag.slice(0, 8), data].join('.'), 'U1')).toThrow();
    expect(() => cipher.open('not-a-record', 'U1')).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow(RangeError);
  });
});
