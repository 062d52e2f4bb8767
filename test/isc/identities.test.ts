import { filterLiteral } from '../../src/isc/identities';
import type { PublicIdentity } from '../../src/isc/types';
import { expectCall, expectRequest, mockToken, testClient, useNock } from './helpers';

useNock();

const ALISON: PublicIdentity = {
  id: '2c9180857182305e0171993735622948',
  name: 'Alison Ferguso',
  alias: 'alison.ferguso',
  email: 'alison.ferguso@acme-solar.com',
  status: 'Active',
  manager: { type: 'IDENTITY', id: '2c9180a46faadee4016fb4e018c20639', name: 'Thomas Edison' },
  attributes: [{ key: 'phone', name: 'Phone', value: '5125551234' }],
};

describe.each([
  ['v3', '/v3/public-identities'],
  ['v1', '/public-identities/v1'],
] as const)('identities, %s layout', (version, path) => {
  const setup = () => {
    mockToken();
    return testClient({ versions: { identities: version } }).client.identities;
  };

  test('findIdentitiesByEmail filters on email and returns every match, up to its limit (10 by default)', async () => {
    const api = setup();
    const admin = { ...ALISON, id: '2c9180857182305e0171993735622949', name: 'Alison Ferguso (admin)' };
    const { scope, received } = expectCall({
      method: 'GET',
      path,
      query: { filters: 'email eq "alison.ferguso@acme-solar.com"', limit: '10' },
      reply: [ALISON, admin],
    });
    await expect(api.findIdentitiesByEmail('alison.ferguso@acme-solar.com')).resolves.toEqual([ALISON, admin]);
    scope.done();
    expectRequest(received[0]);
    expect(received[0].uri).toBe(`${path}?filters=email%20eq%20%22alison.ferguso%40acme-solar.com%22&limit=10`);
    expectCall({ method: 'GET', path, query: { filters: 'email eq "alison.ferguso@acme-solar.com"', limit: '2' }, reply: [ALISON] });
    await expect(api.findIdentitiesByEmail('alison.ferguso@acme-solar.com', 2)).resolves.toEqual([ALISON]);
  });

  test('getIdentityById filters on id with limit 1', async () => {
    const api = setup();
    const { scope } = expectCall({ method: 'GET', path, query: { filters: `id eq "${ALISON.id}"`, limit: '1' }, reply: [ALISON] });
    await expect(api.getIdentityById(ALISON.id!)).resolves.toEqual(ALISON);
    scope.done();
  });

  test('no match is none (empty array or 204)', async () => {
    const api = setup();
    expectCall({ method: 'GET', path, query: { filters: 'email eq "nobody@acme.com"', limit: '10' }, reply: [] });
    await expect(api.findIdentitiesByEmail('nobody@acme.com')).resolves.toEqual([]);
    expectCall({ method: 'GET', path, query: { filters: 'id eq "nope"', limit: '1' }, status: 204 });
    await expect(api.getIdentityById('nope')).resolves.toBeNull();
  });
});

test('quotes and backslashes in a filter value are escaped, and the filter stays one query parameter', async () => {
  mockToken();
  const api = testClient().client.identities;
  const email = 'o"brien\\x&limit=250@acme.com';
  const { received } = expectCall({
    method: 'GET',
    path: '/public-identities/v1',
    query: { filters: 'email eq "o\\"brien\\\\x&limit=250@acme.com"', limit: '10' },
    reply: [],
  });
  await expect(api.findIdentitiesByEmail(email)).resolves.toEqual([]);
  expect(received[0].uri).toContain('filters=email%20eq%20%22o%5C%22brien%5C%5Cx%26limit%3D250%40acme.com%22&limit=10');
});

test('filterLiteral', () => {
  expect(filterLiteral('plain')).toBe('"plain"');
  expect(filterLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
});
