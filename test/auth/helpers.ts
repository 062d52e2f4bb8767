import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LinkedAccounts } from '../../src/auth/linkedAccounts';
import { TokenCipher } from '../../src/auth/tokenCrypto';
import type { OAuthClient } from '../../src/auth/userTokenProvider';
import { RawHttp } from '../../src/isc/http';
import { createLogger } from '../../src/log';
import type { SandboxTenant } from '../../src/sandbox/tenant';
import { FileStateStore } from '../../src/store/fileStore';

/**
 * What a browser does with an authorize URL on the sandbox: shows the sign-in page, submits its form
 * with `email` (or cancels), and is redirected; returns that redirect (the bot's callback URL).
 */
export async function signIn(authorizeUrl: string, email: string, action: 'sign-in' | 'cancel' = 'sign-in'): Promise<URL> {
  const url = new URL(authorizeUrl);
  const page = await fetch(url, { redirect: 'manual' });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post" action="/oauth/authorize">');
  const res = await fetch(new URL('/oauth/authorize', url), {
    method: 'POST',
    body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), email, action }),
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

export function oauthClient(sandbox: SandboxTenant): OAuthClient {
  return { http: new RawHttp({ baseUrl: sandbox.url, timeoutMs: 2_000 }), clientId: sandbox.oauthClientId, clientSecret: sandbox.oauthClientSecret };
}

/** A file store and linked accounts in a fresh directory, on a clock the test moves. */
export async function linkStore(clock: { now: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-'));
  const store = await FileStateStore.open(dir, { now: () => clock.now });
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  const accounts = new LinkedAccounts(store, new TokenCipher(randomBytes(32)), { logger, now: () => clock.now });
  return { dir, store, accounts, logger, lines };
}
