import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { silentLogger } from '../../src/log';
import { startSandboxTenant, type SandboxOptions, type SandboxTenant } from '../../src/sandbox/tenant';
import { signIn } from '../auth/helpers';

export const T0 = new Date('2025-03-10T12:00:00.000Z');

export interface Harness {
  tenant: SandboxTenant;
  /** No Authorization header. */
  raw: AxiosInstance;
  /** Authorised with a client-credentials token. */
  api: AxiosInstance;
  advanceClock(ms: number): void;
}

export async function start(extra: SandboxOptions = {}): Promise<Harness> {
  let clock = T0;
  const tenant = await startSandboxTenant({ logger: silentLogger, now: () => clock, ...extra });
  const raw = axios.create({ baseURL: tenant.url, validateStatus: () => true });
  const grant = await raw.post('/oauth/token', form({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret }));
  const api = axios.create({ baseURL: tenant.url, validateStatus: () => true, headers: { Authorization: `Bearer ${grant.data.access_token}` } });
  return { tenant, raw, api, advanceClock: (ms) => (clock = new Date(clock.getTime() + ms)) };
}

/** Starts a fresh tenant for the enclosing describe and closes it afterwards. */
export function useTenant(extra: SandboxOptions = {}): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await start(extra);
  });
  afterAll(() => h?.tenant.close());
  return () => h!;
}

/** An API client with a user's own token (the authorization-code flow): not an admin. */
export async function userApi(h: Harness, email: string): Promise<AxiosInstance> {
  const redirect = 'https://bot.example.com/oauth/callback';
  const { tenant, raw } = h;
  const authorize = `${tenant.url}/oauth/authorize?${new URLSearchParams({ client_id: tenant.oauthClientId, response_type: 'code', redirect_uri: redirect })}`;
  const code = (await signIn(authorize, email)).searchParams.get('code')!;
  const grant = await raw.post(
    '/oauth/token',
    form({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: tenant.oauthClientId, client_secret: tenant.oauthClientSecret }),
  );
  return axios.create({ baseURL: tenant.url, validateStatus: () => true, headers: { Authorization: `Bearer ${grant.data.access_token}` } });
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields);
export const ids = (items: Array<{ id?: string }>) => items.map((i) => i.id);

export function expectError(res: AxiosResponse, status: number, text: RegExp = /./): void {
  expect(res.status).toBe(status);
  expect(res.data).toEqual({
    detailCode: expect.stringMatching(new RegExp(`^${status}`)),
    trackingId: expect.stringMatching(/^[0-9a-f]{32}$/),
    messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: expect.stringMatching(text) }],
    causes: [],
  });
}
