import { ACTION } from '../../src/blocks/actions';
import { SEED_APPROVAL_ITEMS as A, SEED_WORK_ITEMS as W } from '../../src/sandbox/seed';
import { startHarness, USERS, type Harness } from '../support/botHarness';

// A flood of one user's reads through the bot's real receiver, with ISC's budget (30 in 10 s) far
// smaller than the flood: another user's click is served at once, and every read is answered or told
// ISC is busy within its wait, never late.

const READ_WAIT_MS = 1_500;
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ SAIL_RATE_LIMIT_PER_10S: '30', SAIL_READ_WAIT_MS: String(READ_WAIT_MS), USER_REQUESTS_PER_10S: '1000' });
  // ISC takes a little while to answer, as it does.
  h.fault = () => ({ kind: 'none', delayMs: 50 });
});
afterEach(() => h.close());

const text = (v: unknown) => JSON.stringify(v);

it("one user's flood of page turns does not delay another user's approve, and no read is answered late", async () => {
  // Every page turn names another page of the completed work items: no two are the same ISC read, so
  // none share a call (the pending inbox's would: it reads each kind once and pages from its cache).
  // Each is timed from its ack to its answer.
  const turns = Array.from({ length: 80 }, (_, i) =>
    h.click(USERS.ben.id, ACTION.pageNext, { k: 'completed', o: i + 1 }, { responseId: `ben-${i}` }).then((ack) => {
      const ackedAt = Date.now();
      return { ack, answer: h.responsesTo(`ben-${i}`).then(([body]) => ({ body, ms: Date.now() - ackedAt })) };
    }),
  );
  const sent = await Promise.all(turns);
  expect(sent.every((t) => t.ack.status === 200)).toBe(true);

  const clicked = Date.now();
  await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'ada' });
  const [card] = await h.responsesTo('ada');
  const approveMs = Date.now() - clicked;
  expect(text(card.blocks)).toMatch(new RegExp(`Approved by you`));
  expect(h.sandbox.getWorkItemState(W.adaSingleApproval)?.state).toBe('Finished');
  expect(approveMs).toBeLessThan(3_000);

  const answers = await Promise.all(sent.map((t) => t.answer));
  const busy = answers.filter((a) => text(a.body).includes('ISC is busy right now'));
  // The budget cannot serve the whole flood: some were told at once, the rest shown their page.
  expect(busy.length).toBeGreaterThan(0);
  expect(busy.length).toBeLessThan(answers.length);
  // Its wait, then ISC's answer and the post to Slack, with room for a loaded machine; without the
  // deadline a read waits for the next window (10 s).
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(READ_WAIT_MS + 2_500);
});
