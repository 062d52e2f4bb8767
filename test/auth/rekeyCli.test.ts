import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LinkedAccounts, type UserTokens } from '../../src/auth/linkedAccounts';
import { runRekeyCli } from '../../src/auth/rekeyCli';
import { TokenCipher, type EncryptionKey } from '../../src/auth/tokenCrypto';
import { silentLogger } from '../../src/log';
import { FileStateStore } from '../../src/store/fileStore';

const tokens = (n: number): UserTokens => ({ accessToken: `access-${n}-7c1e9f20`, refreshToken: `refresh-${n}-2a9b6f41`, refreshAt: 1_700_000_000_000 });
const identity = (n: number) => ({ identityId: `id-${n}`, identityName: `User ${n}` });
const b64 = (k: EncryptionKey) => `${k.id}:${k.key.toString('base64')}`;

describe('npm run rekey', () => {
  const single = randomBytes(32);
  const k1: EncryptionKey = { id: 'k1', key: randomBytes(32) };
  const k2: EncryptionKey = { id: 'k2', key: randomBytes(32) };
  const lost: EncryptionKey = { id: 'lost', key: randomBytes(32) };

  async function withStore<T>(dir: string, keys: Buffer | EncryptionKey[], use: (accounts: LinkedAccounts) => Promise<T>): Promise<T> {
    const store = await FileStateStore.open(dir);
    try {
      return await use(new LinkedAccounts(store, new TokenCipher(keys)));
    } finally {
      await store.close();
    }
  }

  async function run(env: Record<string, string>) {
    let out = '';
    let err = '';
    const code = await runRekeyCli({ AUTH_MODE: 'linked', PUBLIC_URL: 'http://localhost:3000', ...env }, (t) => (out += t), (t) => (err += t), silentLogger);
    return { code, out, err };
  }

  it('seals every link with the first key, so the older keys can be dropped without anyone reconnecting', async () => {
    const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-'));
    // U1 from the days of the single TOKEN_ENCRYPTION_KEY, U2 under k1, U3 under a key nobody has any more, U4 revoked.
    const links = new Map<string, string>();
    await withStore(DATA_DIR, single, async (a) => void links.set('U1', await a.link('U1', identity(1), tokens(1))));
    await withStore(DATA_DIR, [k1], async (a) => void links.set('U2', await a.link('U2', identity(2), tokens(2))));
    await withStore(DATA_DIR, [lost], async (a) => void (await a.link('U3', identity(3), tokens(3))));
    await withStore(DATA_DIR, [k1], async (a) => a.markRevoked('U4', await a.link('U4', identity(4), tokens(4))));

    const env = { DATA_DIR, TOKEN_ENCRYPTION_KEYS: [k2, k1, { id: 'old', key: single }].map(b64).join(',') };
    const first = await run(env);
    expect(first.out).toBe('Re-encrypted 2 linked account(s) with the key "k2"; 1 needed nothing.\n');
    expect(first.err).toMatch(/^1 linked account\(s\) could not be decrypted with any key listed.*: U3\n$/);
    expect(first.code).toBe(1);
    for (const key of [single, k1.key, k2.key]) expect(first.out + first.err).not.toContain(key.toString('base64'));

    // Only the new key is left: the tokens still open, and the user is still linked as before.
    await withStore(DATA_DIR, [k2], async (a) => {
      await expect(a.tokens('U1', links.get('U1')!)).resolves.toEqual(tokens(1));
      await expect(a.tokens('U2', links.get('U2')!)).resolves.toEqual(tokens(2));
      await expect(a.status('U4')).resolves.toMatchObject({ state: 'revoked' });
    });

    const again = await run(env);
    expect(again.out).toBe('Re-encrypted 0 linked account(s) with the key "k2"; 3 needed nothing.\n');
  });

  it('says there is nothing to do in AUTH_MODE=service', async () => {
    const { code, err } = await run({ AUTH_MODE: 'service', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-')) });
    expect(code).toBe(2);
    expect(err).toMatch(/AUTH_MODE is service/);
  });
});
