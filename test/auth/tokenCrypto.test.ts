import { randomBytes } from 'node:crypto';
import { parseEncryptionKey, TokenCipher, type EncryptionKey } from '../../src/auth/tokenCrypto';

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

describe('TokenCipher with several keys (TOKEN_ENCRYPTION_KEYS)', () => {
  const k1: EncryptionKey = { id: 'k1', key: randomBytes(32) };
  const k2: EncryptionKey = { id: 'k2', key: randomBytes(32) };

  it('seals with the first key, naming it, and opens with any key listed', () => {
    const old = new TokenCipher([k1]).seal(TOKEN, 'U1');
    const rotated = new TokenCipher([k2, k1]);
    const fresh = rotated.seal(TOKEN, 'U1');
    expect(old.split('.').slice(0, 2)).toEqual(['v2', 'k1']);
    expect(fresh.split('.').slice(0, 2)).toEqual(['v2', 'k2']);
    expect(rotated.open(old, 'U1')).toBe(TOKEN);
    expect(rotated.open(fresh, 'U1')).toBe(TOKEN);
    expect([rotated.isCurrent(old), rotated.isCurrent(fresh)]).toEqual([false, true]);
  });

  it('opens a record of the single TOKEN_ENCRYPTION_KEY once that key is listed under any id', () => {
    const single = new TokenCipher(key).seal(TOKEN, 'U1');
    expect(single.startsWith('v1.')).toBe(true);
    const rotated = new TokenCipher([k2, { id: 'old', key }]);
    expect(rotated.open(single, 'U1')).toBe(TOKEN);
    expect(rotated.isCurrent(single)).toBe(false);
    expect(new TokenCipher(key).isCurrent(single)).toBe(true);
  });

  it('refuses a record whose key is no longer listed, or under the wrong key id', () => {
    const old = new TokenCipher([k1]).seal(TOKEN, 'U1');
    expect(() => new TokenCipher([k2]).open(old, 'U1')).toThrow(/sealed with the key "k1", which TOKEN_ENCRYPTION_KEYS does not list/);
    // A record relabelled to another key's id does not open with that key.
    expect(() => new TokenCipher([k2, { id: 'k1', key: k2.key }]).open(old, 'U1')).toThrow();
    expect(() => new TokenCipher([k2]).open(new TokenCipher(key).seal(TOKEN, 'U1'), 'U1')).toThrow();
  });
});
