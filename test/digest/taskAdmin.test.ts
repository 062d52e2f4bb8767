import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskAdmin, terminatePatch } from '../../src/digest/taskAdmin';
import { silentLogger } from '../../src/log';
import { FileStateStore } from '../../src/store/fileStore';
import { expectCall, expectRequest, mockToken, testClient, useNock } from '../isc/helpers';
import { NOW, stuckTask, taskId } from './fixtures';

useNock();

const ID = taskId(3);
const PATH = `/task-status/v1/${ID}`;

async function admin() {
  const store = await FileStateStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'tasks-')));
  const { client } = testClient({ maxRetries: 0 });
  return { store, admin: new TaskAdmin({ tasks: client.taskManagement, store, logger: silentLogger, now: () => NOW }) };
}

describe('TaskAdmin.terminate', () => {
  it('sends the JSON Patch as application/json-patch+json after checking the task is still pending, and records who did it', async () => {
    mockToken();
    expectCall({ method: 'GET', path: PATH, reply: stuckTask(3) });
    const patch = expectCall({ method: 'PATCH', path: PATH, reply: stuckTask(3, { completionStatus: 'TERMINATED', completed: NOW.toISOString() }) });
    const { admin: a, store } = await admin();

    const outcome = await a.terminate('U0ADMIN01', ID);

    expect(outcome).toMatchObject({ status: 'done', task: { completionStatus: 'TERMINATED' }, clearance: { bySlackUserId: 'U0ADMIN01', at: NOW.toISOString() } });
    const body = [
      { op: 'replace', path: '/completionStatus', value: 'TERMINATED' },
      { op: 'replace', path: '/completed', value: '2026-11-23T09:00:00.000Z' },
    ];
    expect(terminatePatch(NOW)).toEqual(body);
    expectRequest(patch.received[0], { rawBody: JSON.stringify(body), contentType: 'application/json-patch+json' });
    expect(await a.clearances([ID, taskId(9)])).toEqual({ [ID]: { bySlackUserId: 'U0ADMIN01', at: NOW.toISOString() } });
    // A later click reads the task again (now ended) instead of waiting for a lock.
    expect(await store.get(`tasklock:${ID}`)).toBeUndefined();
  });

  it('does not patch a task that has already ended', async () => {
    mockToken();
    expectCall({ method: 'GET', path: PATH, reply: stuckTask(3, { completionStatus: 'SUCCESS' }) });
    const { admin: a } = await admin();
    expect(await a.terminate('U0ADMIN01', ID)).toMatchObject({ status: 'already_ended', task: { completionStatus: 'SUCCESS' } });
  });

  it('lets one of two simultaneous clicks through; the other does not reach ISC', async () => {
    mockToken();
    expectCall({ method: 'GET', path: PATH, reply: stuckTask(3) });
    expectCall({ method: 'PATCH', path: PATH, reply: stuckTask(3, { completionStatus: 'TERMINATED' }) });
    const { admin: a } = await admin();
    const outcomes = await Promise.all([a.terminate('U0ADMIN01', ID), a.terminate('U0ADMIN02', ID)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['done', 'duplicate']);
  });

  it('releases the lock when ISC fails, so the next click may try again', async () => {
    mockToken();
    expectCall({ method: 'GET', path: PATH, reply: stuckTask(3) });
    expectCall({ method: 'PATCH', path: PATH, status: 500, reply: { trackingId: 'abc123', messages: [{ text: 'boom' }] } });
    const { admin: a, store } = await admin();
    const outcome = await a.terminate('U0ADMIN01', ID);
    expect(outcome).toMatchObject({ status: 'failed', error: { status: 500, trackingId: 'abc123' } });
    expect(await store.get(`tasklock:${ID}`)).toBeUndefined();
    expect(await a.clearances([ID])).toEqual({});
  });
});

describe('TaskAdmin.terminate with account linking', () => {
  const store = () => FileStateStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'tasks-')));
  const fakeTasks = () => ({
    getTaskStatus: jest.fn(async () => stuckTask(3)),
    updateTaskStatus: jest.fn(async () => stuckTask(3, { completionStatus: 'TERMINATED' as const })),
  });

  it("patches with the admin's own linked account (ISC takes this PATCH only with a user's token)", async () => {
    const service = fakeTasks();
    const linked = fakeTasks();
    const acting = { actingClient: jest.fn(async () => ({ client: { taskManagement: linked } as never, actingAs: { kind: 'service' as const } })) };
    const a = new TaskAdmin({ tasks: service as never, acting, store: await store(), logger: silentLogger, now: () => NOW });
    expect(await a.terminate('U0ADMIN01', ID)).toMatchObject({ status: 'done' });
    expect(acting.actingClient).toHaveBeenCalledWith('U0ADMIN01');
    expect(linked.updateTaskStatus).toHaveBeenCalledWith(ID, terminatePatch(NOW));
    expect(service.updateTaskStatus).not.toHaveBeenCalled();
  });

  it('refuses, without calling ISC, when linking does not let the admin act', async () => {
    const service = fakeTasks();
    const acting = { actingClient: async () => ({ refused: 'Connect your ISC account first.' }) };
    const a = new TaskAdmin({ tasks: service as never, acting, store: await store(), logger: silentLogger, now: () => NOW });
    expect(await a.terminate('U0ADMIN01', ID)).toEqual({ status: 'refused', message: 'Connect your ISC account first.' });
    expect(service.getTaskStatus).not.toHaveBeenCalled();
  });
});
