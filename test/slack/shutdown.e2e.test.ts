import fs from 'node:fs';
import path from 'node:path';
import { ACTION } from '../../src/blocks/actions';
import { SEED_APPROVAL_ITEMS, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { InFlight } from '../../src/slack/inFlight';
import { startHarness, USERS, type Harness } from '../support/botHarness';

// A deploy or restart sends SIGTERM, which calls RunningBot.stop(). A click acked just before must
// still reach ISC and answer the user: the bot stops taking requests, then waits for those under way.

const W = SEED_WORK_ITEMS;
const A = SEED_APPROVAL_ITEMS;

describe('graceful shutdown', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('lets a slow ISC action acked before stop() finish and answer the user before the bot stops', async () => {
    h.fault = (req) => (req.path.includes('/approve/') ? { kind: 'none', delayMs: 1000 } : undefined);
    const res = await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'slow' });
    expect(res.status).toBe(200);

    await h.bot.stop();

    // By the time stop() resolves, ISC approved once, the user saw it, and the decision is on disk.
    const answers = h.slack.responses.filter((r) => r.id === 'slow');
    expect(answers).toHaveLength(1);
    expect(answers[0].body.replace_original).toBe(true);
    expect(JSON.stringify(answers[0].body.blocks)).toContain(`Approved by you`);
    expect(h.sandbox.stats().mutations.filter((m) => m.status === 200)).toHaveLength(1);
    const state = JSON.parse(fs.readFileSync(path.join(h.dataDir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state[`decisions:${W.adaSingleApproval}`]).toMatchObject({ t: 'map', v: { [A.adaSingle]: { kind: 'approved' } } });
  });

  it('tells the user of a click it cannot wait for that the bot restarted before it could answer', async () => {
    h.fault = (req) => (req.path.includes('/approve/') ? { kind: 'none', delayMs: 1500 } : undefined);
    expect((await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'cut' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    await h.bot.stop(50);
    const answers = h.slack.responses.filter((r) => r.id === 'cut');
    expect(answers).toHaveLength(1);
    expect(answers[0].body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(answers[0].body.text)).toContain('The bot restarted before it could tell you how this ended; it may still have gone through in ISC.');
  });

  it('takes no new request once stopping, and stopping twice is harmless', async () => {
    h.fault = (req) => (req.path.includes('/approve/') ? { kind: 'none', delayMs: 800 } : undefined);
    expect((await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'first' })).status).toBe(200);
    const stopping = h.bot.stop();
    await expect(h.command(USERS.ada.id, '', 'late')).rejects.toThrow();
    await Promise.all([stopping, h.bot.stop()]);
    expect(h.slack.responses.map((r) => r.id)).toEqual(['first']);
  });
});

describe('InFlight', () => {
  it('is idle at once with nothing under way, and waits for work under way within a bound', async () => {
    const inFlight = new InFlight();
    expect(await inFlight.idle(10)).toBe(true);
    let release!: () => void;
    const work = inFlight.run(() => new Promise<void>((resolve) => (release = resolve)));
    expect(inFlight.size).toBe(1);
    expect(await inFlight.idle(30)).toBe(false);
    const idle = inFlight.idle(1000);
    release();
    await work;
    expect(await idle).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('cutOff tells the users of the work still under way, and waits for that within a bound', async () => {
    const inFlight = new InFlight();
    const told: string[] = [];
    await inFlight.run(async () => undefined, async () => void told.push('finished'));
    void inFlight.run(() => new Promise<void>(() => undefined), async () => void told.push('still running'));
    void inFlight.run(() => new Promise<void>(() => undefined));
    void inFlight.run(() => new Promise<void>(() => undefined), () => new Promise<void>(() => undefined));
    const started = performance.now();
    await inFlight.cutOff(100);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(told).toEqual(['still running']);
  });

  it('counts work that fails as finished', async () => {
    const inFlight = new InFlight();
    await expect(inFlight.run(() => Promise.reject(new Error('listener failed')))).rejects.toThrow('listener failed');
    expect(inFlight.size).toBe(0);
  });
});
