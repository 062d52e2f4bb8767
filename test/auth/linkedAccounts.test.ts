import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LinkedAccounts, mismatchKey, type UserTokens } from '../../src/auth/linkedAccounts';
import { TokenCipher } from '../../src/auth/tokenCrypto';
import { FileStateStore } from '../../src/store/fileStore';
import { stateOnDisk } from '../support/stateOnDisk';

const TOKENS: UserTokens = { accessToken: 'access-7c1e9f20b4d8a6e3', refreshToken: 'refresh-2a9b6f41d0c3e857', refreshAt: 1_700_000_000_000 };
const ADA = { identityId: 'id-ada', identityName: 'Ada Approver' };

async function open(key = randomBytes(32), dir = fs.mkdtempSync(path.join(os.tmpdir(), 'links-'))) {
  const store = await FileStateStore.open(dir);
  return { store, dir, key, accounts: new LinkedAccounts(store, new TokenCipher(key)) };
}

it('keeps the tokens encrypted on disk: the store file holds neither of them, nor any part long enough to use', async () => {
  const { accounts, store, dir } = await open();
  const linkId = await accounts.link('U1', ADA, TOKENS);
  await store.flush();
  const file = stateOnDisk(dir);
  for (const secret of [TOKENS.accessToken, TOKENS.refreshToken]) {
    expect(file).not.toContain(secret);
    expect(file).not.toContain(secret.slice(-12));
    expect(file).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16));
  }
  expect(file).toContain(ADA.identityId);
  await expect(accounts.tokens('U1', linkId)).resolves.toEqual(TOKENS);
});

it('is useless without the key, and a record copied to another user does not open', async () => {
  const { accounts, store, dir } = await open();
  const linkId = await accounts.link('U1', ADA, TOKENS);
  await store.flush();
  const other = await open(randomBytes(32), dir);
  await expect(other.accounts.status('U1')).resolves.toMatchObject({ state: 'linked', identityId: ADA.identityId });
  await expect(other.accounts.tokens('U1', linkId)).resolves.toBeUndefined();

  await store.set('linked-account:U2', await store.get('linked-account:U1'));
  await expect(accounts.tokens('U2', linkId)).resolves.toBeUndefined();
});

it('links, refreshes, revokes and unlinks; a refresh for a replaced link is dropped', async () => {
  const { accounts } = await open();
  await expect(accounts.status('U1')).resolves.toEqual({ state: 'unlinked' });
  const first = await accounts.link('U1', ADA, TOKENS);
  const second = await accounts.link('U1', ADA, { ...TOKENS, accessToken: 'access-second' });
  expect(second).not.toBe(first);

  await accounts.updateTokens('U1', first, { ...TOKENS, accessToken: 'from-a-stale-refresh' });
  await expect(accounts.tokens('U1', second)).resolves.toMatchObject({ accessToken: 'access-second' });
  await expect(accounts.tokens('U1', first)).resolves.toBeUndefined();

  await accounts.updateTokens('U1', second, { ...TOKENS, accessToken: 'access-third' });
  await expect(accounts.tokens('U1', second)).resolves.toMatchObject({ accessToken: 'access-third' });

  await accounts.markRevoked('U1', second);
  await expect(accounts.status('U1')).resolves.toEqual({ state: 'revoked', ...ADA });
  await expect(accounts.tokens('U1', second)).resolves.toBeUndefined();

  await expect(accounts.unlink('U1')).resolves.toBe(true);
  await expect(accounts.unlink('U1')).resolves.toBe(false);
  await expect(accounts.status('U1')).resolves.toEqual({ state: 'unlinked' });
});

it('records a mismatch for the audit, with no token', async () => {
  const { accounts, store } = await open();
  await accounts.recordMismatch('U1', 'id-ada', 'id-ben');
  const records = Object.values(await store.getFields(mismatchKey('U1')));
  expect(records).toEqual([expect.objectContaining({ expectedIdentityId: 'id-ada', signedInIdentityId: 'id-ben' })]);
});
