import type { WebClient } from '@slack/web-api';
import type { IdentitiesApi } from '../../src/isc/api';
import { requestSignal, withRequestSignal } from '../../src/isc/deadline';
import type { PublicIdentity } from '../../src/isc/types';
import type { Logger } from '../../src/log';
import { IdentityDirectory, missingIdentityMessage } from '../../src/workitems/identityDirectory';

interface FakeSlackUser {
  tz?: string;
  name?: string;
  real_name?: string;
  profile?: { email?: string; display_name?: string };
  deleted?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  team_id?: string;
  enterprise_user?: { enterprise_id: string };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

function setup(
  opts: {
    users?: Record<string, FakeSlackUser>;
    identities?: PublicIdentity[];
    overrides?: Record<string, string>;
    ttlMs?: number;
    home?: { teamIds?: ReadonlySet<string>; enterpriseId?: string };
  } = {},
) {
  const clock = { t: 1_700_000_000_000 };
  const users = opts.users ?? {};
  const identities = opts.identities ?? [];
  const info = jest.fn(async ({ user }: { user: string }) => {
    const u = users[user];
    if (!u) throw new Error(`user_not_found: ${user}`);
    return { ok: true, user: { id: user, ...u } };
  });
  const findIdentitiesByEmail = jest.fn(async (email: string) => identities.filter((i) => i.email === email));
  const getIdentityById = jest.fn(async (id: string) => identities.find((i) => i.id === id) ?? null);
  const logger: Logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const directory = new IdentityDirectory({
    slack: { users: { info } } as unknown as Pick<WebClient, 'users'>,
    identities: { findIdentitiesByEmail, getIdentityById } satisfies IdentitiesApi,
    overrides: new Map(Object.entries(opts.overrides ?? {})),
    ...(opts.home ? { home: opts.home } : {}),
    ttlMs: opts.ttlMs ?? HOUR,
    logger,
    now: () => clock.t,
  });
  return { directory, clock, info, findIdentitiesByEmail, getIdentityById, logger };
}

const ALICE_IDENTITY: PublicIdentity = { id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' };

describe('IdentityDirectory', () => {
  describe('identityForEmail', () => {
    it('uses IDENTITY_MAP first (case-insensitively), else the ISC lookup, and needs no Slack call', async () => {
      const mapped: PublicIdentity = { id: 'id-mapped', name: 'Mapped Person' };
      const { directory, info, findIdentitiesByEmail, getIdentityById } = setup({ identities: [ALICE_IDENTITY, mapped], overrides: { 'bob@example.com': 'id-mapped' } });
      expect(await directory.identityForEmail('Bob@Example.com')).toMatchObject({ id: 'id-mapped', name: 'Mapped Person' });
      expect(getIdentityById).toHaveBeenCalledWith('id-mapped');
      expect(await directory.identityForEmail('alice@example.com')).toEqual({ id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' });
      expect(await directory.identityForEmail('nobody@example.com')).toBeNull();
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
      expect(info).not.toHaveBeenCalled();
    });
  });

  describe('slackUser', () => {
    it('reads the profile: email (lower-cased), tz, display name', async () => {
      const { directory, info } = setup({
        users: { U1: { tz: 'Europe/Paris', name: 'alice', real_name: 'Alice A', profile: { email: 'Alice@Example.COM', display_name: 'ally' } } },
      });
      expect(await directory.slackUser('U1')).toEqual({ id: 'U1', email: 'alice@example.com', tz: 'Europe/Paris', name: 'ally' });
      expect(info).toHaveBeenCalledWith({ user: 'U1', include_locale: true });
    });

    it('defaults tz to UTC when Slack does not give one', async () => {
      const { directory } = setup({ users: { U1: { profile: { email: 'a@x.io' } } } });
      expect((await directory.slackUser('U1')).tz).toBe('UTC');
    });

    it('defaults tz to UTC when Slack gives an empty tz', async () => {
      const { directory } = setup({ users: { U1: { tz: '', profile: {} } } });
      expect((await directory.slackUser('U1')).tz).toBe('UTC');
    });

    it('falls back for the name: display_name → real_name → name → the Slack id', async () => {
      const { directory } = setup({
        users: {
          U1: { real_name: 'Real One', name: 'one', profile: { display_name: '' } },
          U2: { name: 'two', profile: {} },
          U3: {},
        },
      });
      expect((await directory.slackUser('U1')).name).toBe('Real One');
      expect((await directory.slackUser('U2')).name).toBe('two');
      expect((await directory.slackUser('U3')).name).toBe('U3');
    });

    it('has no email when the profile has none', async () => {
      const { directory } = setup({ users: { U1: { profile: {} } } });
      expect((await directory.slackUser('U1')).email).toBeUndefined();
    });

    it('caches the profile for ttlMs', async () => {
      const { directory, clock, info } = setup({ users: { U1: { tz: 'Asia/Tokyo', profile: { email: 'a@x.io' } } }, ttlMs: 10 * MINUTE });
      await directory.slackUser('U1');
      clock.t += 10 * MINUTE - 1;
      await directory.slackUser('U1');
      expect(info).toHaveBeenCalledTimes(1);
      clock.t += 1;
      await directory.slackUser('U1');
      expect(info).toHaveBeenCalledTimes(2);
    });

    it('does not cache a failed users.info call', async () => {
      const { directory, info } = setup({ users: {} });
      await expect(directory.slackUser('U404')).rejects.toThrow('user_not_found');
      await expect(directory.slackUser('U404')).rejects.toThrow('user_not_found');
      expect(info).toHaveBeenCalledTimes(2);
    });
  });

  describe('identityFor', () => {
    it('maps a Slack user to the ISC identity with their email', async () => {
      const { directory, findIdentitiesByEmail, getIdentityById } = setup({
        users: { U1: { profile: { email: 'alice@example.com' } } },
        identities: [ALICE_IDENTITY, { id: 'id-bob', name: 'Bob', email: 'bob@example.com' }],
      });
      expect(await directory.identityFor('U1')).toEqual({ id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' });
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(1);
      expect(findIdentitiesByEmail).toHaveBeenCalledWith('alice@example.com');
      expect(getIdentityById).not.toHaveBeenCalled();
    });

    it('looks the email up in lower case', async () => {
      const { directory, findIdentitiesByEmail } = setup({
        users: { U1: { profile: { email: 'ALICE@Example.Com' } } },
        identities: [ALICE_IDENTITY],
      });
      expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
      expect(findIdentitiesByEmail).toHaveBeenCalledWith('alice@example.com');
    });

    it('falls back to the Slack name and email when the ISC identity lacks them', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'Carol@Example.com', display_name: 'Carol' } } } });
      findIdentitiesByEmail.mockResolvedValueOnce([{ id: 'id-carol' }]);
      expect(await directory.identityFor('U1')).toEqual({ id: 'id-carol', name: 'Carol', email: 'carol@example.com' });
    });

    it('prefers the ISC name and email over the Slack ones', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'carol@example.com', display_name: 'Caz' } } } });
      findIdentitiesByEmail.mockResolvedValueOnce([{ id: 'id-carol', name: 'Carol Carter', email: 'carol.carter@example.com' }]);
      expect(await directory.identityFor('U1')).toEqual({ id: 'id-carol', name: 'Carol Carter', email: 'carol.carter@example.com' });
    });

    it('returns null when ISC answers an identity without an id', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'x@example.com' } } } });
      findIdentitiesByEmail.mockResolvedValueOnce([{ name: 'No Id', email: 'x@example.com' }]);
      expect(await directory.identityFor('U1')).toBeNull();
    });

    describe('ambiguous or inactive identities map to nobody', () => {
      const ALICE_ADMIN: PublicIdentity = { id: 'id-alice-admin', name: 'Alice Adams (admin)', email: 'alice@example.com' };

      it('an email two identities have → nobody, the user is told to ask for an IDENTITY_MAP entry, the log names the email', async () => {
        const { directory, logger } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY, ALICE_ADMIN] });
        expect(await directory.identityFor('U1')).toBeNull();
        expect(await directory.noIdentityMessage('U1')).toMatch(/\(alice@example\.com\) belongs to more than one SailPoint identity/);
        expect(await directory.identityForEmail('alice@example.com')).toBeNull();
        expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('more than one ISC identity'), {
          email: 'alice@example.com',
          identityIds: ['id-alice', 'id-alice-admin'],
        });
      });

      it.each(['INACTIVE_SHORT_TERM', 'INACTIVE_LONG_TERM'] as const)('an email only an identity in state %s has → nobody', async (identityState) => {
        const { directory, logger } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [{ ...ALICE_IDENTITY, identityState }] });
        expect(await directory.identityFor('U1')).toBeNull();
        expect(await directory.noIdentityMessage('U1')).toMatch(/SailPoint identity with your Slack email \(alice@example\.com\) is inactive/);
        expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('inactive'), { email: 'alice@example.com', identityId: 'id-alice', identityState });
      });

      it('an active identity (or one ISC gives no state) maps as before', async () => {
        const { directory } = setup({
          users: { U1: { profile: { email: 'alice@example.com' } }, U2: { profile: { email: 'bob@example.com' } } },
          identities: [{ ...ALICE_IDENTITY, identityState: 'ACTIVE' }, { id: 'id-bob', name: 'Bob', email: 'bob@example.com', identityState: null }],
        });
        expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
        expect((await directory.identityFor('U2'))?.id).toBe('id-bob');
      });

      it('IDENTITY_MAP settles an ambiguous email', async () => {
        const { directory } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY, ALICE_ADMIN], overrides: { U1: 'id-alice' } });
        expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
      });

      it('an IDENTITY_MAP entry naming an identity ISC does not know says so', async () => {
        const { directory } = setup({ overrides: { U1: 'id-gone' } });
        expect(await directory.noIdentityMessage('U1')).toMatch(/connected to a SailPoint identity that no longer exists/);
      });
    });

    describe('IDENTITY_MAP overrides', () => {
      it('by Slack user id: uses getIdentityById and never asks Slack or searches by email', async () => {
        const { directory, info, findIdentitiesByEmail, getIdentityById } = setup({
          users: { U1: { profile: { email: 'someone.else@example.com' } } },
          identities: [ALICE_IDENTITY],
          overrides: { U1: 'id-alice' },
        });
        expect(await directory.identityFor('U1')).toEqual({ id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' });
        expect(getIdentityById).toHaveBeenCalledTimes(1);
        expect(getIdentityById).toHaveBeenCalledWith('id-alice');
        expect(findIdentitiesByEmail).not.toHaveBeenCalled();
        expect(info).not.toHaveBeenCalled();
      });

      it('by (lower-case) email: reads the profile, then uses getIdentityById and no email lookup', async () => {
        const { directory, info, findIdentitiesByEmail, getIdentityById } = setup({
          users: { U2: { profile: { email: 'Alias@Example.com' } } },
          identities: [ALICE_IDENTITY],
          overrides: { 'alias@example.com': 'id-alice' },
        });
        expect(await directory.identityFor('U2')).toEqual({ id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' });
        expect(info).toHaveBeenCalledTimes(1);
        expect(getIdentityById).toHaveBeenCalledWith('id-alice');
        expect(findIdentitiesByEmail).not.toHaveBeenCalled();
      });

      it('the Slack-id override wins over an email override', async () => {
        const { directory, getIdentityById } = setup({
          users: { U1: { profile: { email: 'alice@example.com' } } },
          identities: [ALICE_IDENTITY, { id: 'id-other', name: 'Other' }],
          overrides: { U1: 'id-other', 'alice@example.com': 'id-alice' },
        });
        expect((await directory.identityFor('U1'))?.id).toBe('id-other');
        expect(getIdentityById).toHaveBeenCalledTimes(1);
        expect(getIdentityById).toHaveBeenCalledWith('id-other');
      });

      it('an override to an unknown identity id → null', async () => {
        const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY], overrides: { U1: 'id-gone' } });
        expect(await directory.identityFor('U1')).toBeNull();
        expect(findIdentitiesByEmail).not.toHaveBeenCalled();
      });

      it('uses the id as name and drops a null email for an identity found by id', async () => {
        const { directory } = setup({ identities: [{ id: 'id-svc', email: null }], overrides: { U9: 'id-svc' } });
        const found = await directory.identityFor('U9');
        expect(found).toEqual({ id: 'id-svc', name: 'id-svc' });
        expect(found).not.toHaveProperty('email', null);
      });
    });

    it('no email on the Slack profile → null, with a warning and no ISC lookup', async () => {
      const { directory, findIdentitiesByEmail, getIdentityById, logger } = setup({ users: { U1: { profile: {} } }, identities: [ALICE_IDENTITY] });
      expect(await directory.identityFor('U1')).toBeNull();
      expect(findIdentitiesByEmail).not.toHaveBeenCalled();
      expect(getIdentityById).not.toHaveBeenCalled();
      expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('no email'), { slackUserId: 'U1' });
    });

    it('an unknown email → null, and that answer is cached for only 5 minutes', async () => {
      const { directory, clock, info, findIdentitiesByEmail } = setup({
        users: { U1: { profile: { email: 'new.hire@example.com' } } },
        identities: [],
        ttlMs: 12 * HOUR,
      });
      expect(await directory.identityFor('U1')).toBeNull();
      clock.t += 5 * MINUTE - 1;
      expect(await directory.identityFor('U1')).toBeNull();
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(1);

      clock.t += 1; // 5 minutes after the lookup: asked again, and the identity now exists
      findIdentitiesByEmail.mockResolvedValueOnce([{ id: 'id-new', name: 'New Hire', email: 'new.hire@example.com' }]);
      expect(await directory.identityFor('U1')).toEqual({ id: 'id-new', name: 'New Hire', email: 'new.hire@example.com' });
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
      // the Slack profile is still cached (12 h), so Slack was asked once
      expect(info).toHaveBeenCalledTimes(1);
    });

    it('a negative result is cached for ttlMs when that is shorter than 5 minutes', async () => {
      const { directory, clock, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'n@example.com' } } }, ttlMs: MINUTE });
      await directory.identityFor('U1');
      clock.t += MINUTE;
      await directory.identityFor('U1');
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
    });

    it('a missing-email null is also re-checked after 5 minutes', async () => {
      const { directory, clock, info } = setup({ users: { U1: { profile: {} } }, ttlMs: 2 * MINUTE });
      await directory.identityFor('U1');
      clock.t += 2 * MINUTE; // both caches expire (ttlMs < 5 min)
      await directory.identityFor('U1');
      expect(info).toHaveBeenCalledTimes(2);
    });

    it('a positive result is cached for ttlMs (longer than the negative ttl)', async () => {
      const { directory, clock, findIdentitiesByEmail } = setup({
        users: { U1: { profile: { email: 'alice@example.com' } } },
        identities: [ALICE_IDENTITY],
        ttlMs: 2 * HOUR,
      });
      await directory.identityFor('U1');
      clock.t += 2 * HOUR - 1;
      expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(1);
      clock.t += 1;
      await directory.identityFor('U1');
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
    });

    it('caches per Slack user', async () => {
      const { directory, findIdentitiesByEmail } = setup({
        users: { U1: { profile: { email: 'alice@example.com' } }, U2: { profile: { email: 'bob@example.com' } } },
        identities: [ALICE_IDENTITY, { id: 'id-bob', name: 'Bob', email: 'bob@example.com' }],
      });
      expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
      expect((await directory.identityFor('U2'))?.id).toBe('id-bob');
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
    });

    it('concurrent calls for one user → one users.info and one ISC lookup', async () => {
      const { directory, info, findIdentitiesByEmail } = setup({
        users: { U1: { profile: { email: 'alice@example.com' } } },
        identities: [ALICE_IDENTITY],
      });
      const gate = deferred<void>();
      const realInfo = info.getMockImplementation()!;
      info.mockImplementation(async (args) => {
        await gate.promise;
        return realInfo(args);
      });
      const calls = Array.from({ length: 10 }, () => directory.identityFor('U1'));
      // slackUser() directly, while the lookup is in flight, shares the same users.info call
      const profile = directory.slackUser('U1');
      gate.resolve();
      const results = await Promise.all(calls);
      expect(new Set(results.map((r) => r?.id))).toEqual(new Set(['id-alice']));
      expect((await profile).email).toBe('alice@example.com');
      expect(info).toHaveBeenCalledTimes(1);
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(1);
    });

    it('a shared lookup runs free of the bounds of whoever started it (a poll that stops aborts only its own requests)', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY] });
      const seen: Array<AbortSignal | undefined> = [];
      const realFind = findIdentitiesByEmail.getMockImplementation()!;
      findIdentitiesByEmail.mockImplementation(async (email) => {
        seen.push(requestSignal());
        return realFind(email);
      });
      const stop = new AbortController();
      const started = withRequestSignal(stop.signal, () => directory.identityFor('U1'));
      const other = directory.identityFor('U1');
      stop.abort();
      expect((await started)?.id).toBe('id-alice');
      expect((await other)?.id).toBe('id-alice');
      expect(seen).toEqual([undefined]);
    });

    it('a failed ISC lookup is not cached: the next call asks again', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY] });
      findIdentitiesByEmail.mockRejectedValueOnce(new Error('ISC 503'));
      await expect(directory.identityFor('U1')).rejects.toThrow('ISC 503');
      expect(directory.peekIdentity('U1')).toBeUndefined();
      expect((await directory.identityFor('U1'))?.id).toBe('id-alice');
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(2);
    });
  });

  describe('peekIdentity', () => {
    it('is undefined before a lookup and the cached value after, without looking anything up', async () => {
      const { directory, info, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } }, identities: [ALICE_IDENTITY] });
      expect(directory.peekIdentity('U1')).toBeUndefined();
      expect(info).not.toHaveBeenCalled();
      expect(findIdentitiesByEmail).not.toHaveBeenCalled();
      await directory.identityFor('U1');
      expect(directory.peekIdentity('U1')).toEqual({ id: 'id-alice', name: 'Alice Adams', email: 'alice@example.com' });
      expect(findIdentitiesByEmail).toHaveBeenCalledTimes(1);
    });

    it('returns a cached null (no identity) as null, and undefined once it expired', async () => {
      const { directory, clock } = setup({ users: { U1: { profile: { email: 'nobody@example.com' } } } });
      await directory.identityFor('U1');
      expect(directory.peekIdentity('U1')).toBeNull();
      clock.t += 5 * MINUTE;
      expect(directory.peekIdentity('U1')).toBeUndefined();
    });

    it('is undefined while a lookup is still in flight', async () => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: { profile: { email: 'alice@example.com' } } } });
      const gate = deferred<PublicIdentity[]>();
      findIdentitiesByEmail.mockReturnValueOnce(gate.promise);
      const pending = directory.identityFor('U1');
      expect(directory.peekIdentity('U1')).toBeUndefined();
      gate.resolve([ALICE_IDENTITY]);
      await pending;
      expect(directory.peekIdentity('U1')?.id).toBe('id-alice');
    });
  });

  describe('guests, external and deactivated Slack users are matched only through IDENTITY_MAP', () => {
    const alice = (extra: Partial<FakeSlackUser>): FakeSlackUser => ({ team_id: 'T0HOME', profile: { email: 'alice@example.com' }, ...extra });
    const home = { teamIds: new Set(['T0HOME']), enterpriseId: 'E0ORG' };

    it.each([
      ['a guest', { is_restricted: true }, 'guest'],
      ['a single-channel guest', { is_ultra_restricted: true }, 'guest'],
      ['a deactivated account', { deleted: true }, 'deleted'],
      ['someone Slack calls a stranger', { is_stranger: true }, 'external'],
      ['someone of another workspace and organisation', { team_id: 'T0ELSE', enterprise_user: { enterprise_id: 'E0ELSE' } }, 'external'],
    ] as Array<[string, Partial<FakeSlackUser>, string]>)('%s with a matching email maps to nobody, without an ISC lookup', async (_label, extra, reason) => {
      const { directory, findIdentitiesByEmail } = setup({ users: { U1: alice(extra) }, identities: [ALICE_IDENTITY], home });
      expect(await directory.resolve('U1')).toEqual({ missing: { reason } });
      expect(await directory.identityFor('U1')).toBeNull();
      expect(findIdentitiesByEmail).not.toHaveBeenCalled();
    });

    it('a member of a home workspace, or of another workspace of the home organisation, maps by email as before', async () => {
      const { directory } = setup({
        users: { U1: alice({}), U2: alice({ team_id: 'T0SISTER', enterprise_user: { enterprise_id: 'E0ORG' } }) },
        identities: [ALICE_IDENTITY],
        home,
      });
      expect(await directory.identityFor('U1')).toMatchObject({ id: ALICE_IDENTITY.id });
      expect(await directory.identityFor('U2')).toMatchObject({ id: ALICE_IDENTITY.id });
    });

    it('IDENTITY_MAP names a guest by Slack id or by email', async () => {
      const { directory } = setup({
        users: { U1: alice({ is_restricted: true }), U2: alice({ is_stranger: true, profile: { email: 'partner@vendor.example' } }) },
        identities: [ALICE_IDENTITY, { id: 'id-partner', name: 'Partner' }],
        overrides: { U1: 'id-alice', 'partner@vendor.example': 'id-partner' },
        home,
      });
      expect(await directory.identityFor('U1')).toMatchObject({ id: ALICE_IDENTITY.id });
      expect(await directory.identityFor('U2')).toMatchObject({ id: 'id-partner' });
    });

    it('tells each of them why, and whom to ask', () => {
      expect(missingIdentityMessage({ reason: 'guest' })).toMatch(/guests of this Slack workspace/);
      expect(missingIdentityMessage({ reason: 'external' })).toMatch(/another organisation/);
      expect(missingIdentityMessage({ reason: 'deleted' })).toMatch(/deactivated/);
    });
  });
});
