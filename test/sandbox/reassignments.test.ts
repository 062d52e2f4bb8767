import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { expectError, T0, useTenant, userApi } from './helpers';

// The sandbox's work reassignment (out of office): the rules the bot is tested against.

const { ada, ben, manager } = SEED_IDENTITIES;
const ROOT = '/reassignment-configurations/v1';
const X = { headers: { 'X-SailPoint-Experimental': 'true' } };
const day = (n: number) => new Date(T0.getTime() + n * 86_400_000).toISOString();
const config = (over: Record<string, unknown> = {}) => ({ reassignedFromId: ada.id, reassignedToId: ben.id, configType: 'ACCESS_REQUESTS', startDate: day(1), endDate: day(3), ...over });

describe('reassignment configurations', () => {
  const h = useTenant();

  it('requires the experimental header on every operation', async () => {
    const { api } = h();
    expectError(await api.get(`${ROOT}/${ada.id}`), 400, /X-SailPoint-Experimental: true/);
    expectError(await api.post(ROOT, config()), 400, /X-SailPoint-Experimental/);
    expectError(await api.put(`${ROOT}/${ada.id}`, config()), 400, /X-SailPoint-Experimental/);
    expectError(await api.delete(`${ROOT}/${ada.id}/ACCESS_REQUESTS`), 400, /X-SailPoint-Experimental/);
  });

  it('creates one configuration per type with POST, refuses a second POST, replaces it with PUT, reads and deletes it', async () => {
    const { api } = h();
    expectError(await api.get(`${ROOT}/${ada.id}`, X), 404);
    expectError(await api.put(`${ROOT}/${ada.id}`, config(), X), 404, /create it with POST/);
    const created = await api.post(ROOT, config(), X);
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ identity: { id: ada.id, name: ada.name }, configDetails: [{ configType: 'ACCESS_REQUESTS', targetIdentity: { id: ben.id }, startDate: day(1), endDate: day(3) }] });
    expectError(await api.post(ROOT, config(), X), 400, /already exists/);
    const put = await api.put(`${ROOT}/${ada.id}`, config({ reassignedToId: manager.id, endDate: day(5) }), X);
    expect(put.status).toBe(200);
    expect(put.data.configDetails).toEqual([expect.objectContaining({ targetIdentity: { id: manager.id, name: manager.name }, endDate: day(5) })]);
    expect((await api.get(`${ROOT}/${ada.id}`, X)).data.configDetails).toHaveLength(1);
    expect((await api.delete(`${ROOT}/${ada.id}/ACCESS_REQUESTS`, X)).status).toBe(204);
    expectError(await api.delete(`${ROOT}/${ada.id}/ACCESS_REQUESTS`, X), 404);
  });

  it('refuses a bad configuration: unknown type or target, to oneself, bad or reversed dates, an end in the past', async () => {
    const { api } = h();
    expectError(await api.post(ROOT, config({ configType: 'EVERYTHING' }), X), 400, /configType must be one of/);
    expectError(await api.post(ROOT, config({ reassignedToId: 'nobody' }), X), 400, /reassignedToId/);
    expectError(await api.post(ROOT, config({ reassignedToId: ada.id }), X), 400, /itself/);
    expectError(await api.post(ROOT, config({ startDate: '2025-03-11' }), X), 400, /startDate must be a date-time/);
    expectError(await api.post(ROOT, config({ endDate: day(0.5) }), X), 400, /after startDate/);
    expectError(await api.post(ROOT, config({ startDate: day(-3), endDate: day(-1) }), X), 400, /future/);
  });

  it('a person manages only their own configuration', async () => {
    const benApi = await userApi(h(), ben.email!);
    expectError(await benApi.post(ROOT, config(), X), 403);
    expect((await benApi.post(ROOT, config({ reassignedFromId: ben.id, reassignedToId: ada.id }), X)).status).toBe(201);
    expectError(await benApi.get(`${ROOT}/${ada.id}`, X), 403);
  });
});
