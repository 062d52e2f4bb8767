// Bench part "reviews": an access review of 300 items against the real bot process, ISC answering in
// 200 ms: the ISC requests a page costs, and Approve all over the 300 items (decide calls, the click's
// ack, the time until the page is redrawn), beside a page turn's ack in the same run.
import { RV_ACTION } from '../src/blocks/reviews';
import { click, command, type BotProcess, type Rig } from './lib';

export const REVIEWS = { iscLatencyMs: 200, items: 300 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reply(rig: Rig, id: string, timeoutMs = 30_000): Promise<{ body: Record<string, any>; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = rig.slack.responses.find((r) => r.id === id);
    if (found) return { body: found.body as Record<string, any>, at: performance.now() };
    if (Date.now() > deadline) throw new Error(`no reply to ${id}`);
    await sleep(2);
  }
}

const certificationCalls = (rig: Rig) => Object.entries(rig.sandbox.stats().requests).filter(([k]) => k.includes('/certifications')).reduce((n, [, v]) => n + v, 0);
const decideCalls = (rig: Rig) => rig.sandbox.stats().requests['POST /certifications/{id}/decide'] ?? 0;
const buttonValue = (blocks: Array<Record<string, any>>, actionId: string) =>
  JSON.parse(blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).find((e) => e.action_id === actionId).value);

export async function accessReviews(rig: Rig, bot: BotProcess) {
  rig.iscLatencyMs = REVIEWS.iscLatencyMs;
  try {
    await command(bot, rig, 'reviews', 'rv-list');
    const list = await reply(rig, 'rv-list');
    const open = buttonValue(list.body.blocks, RV_ACTION.open);

    const beforePage = certificationCalls(rig);
    const pageStarted = performance.now();
    const pageAck = await click(bot, rig, RV_ACTION.open, open, 'rv-page');
    const page = await reply(rig, 'rv-page');
    const pageCalls = certificationCalls(rig) - beforePage;
    const items = (page.body.blocks as Array<Record<string, any>>).filter((b) => b.type === 'actions' && !b.block_id).length;

    const beforeAll = decideCalls(rig);
    const started = performance.now();
    const ack = await click(bot, rig, RV_ACTION.approveAll, buttonValue(page.body.blocks, RV_ACTION.approveAll), 'rv-all');
    const updated = await reply(rig, 'rv-all');
    const decided = rig.sandbox.certificationDecisions();
    return {
      iscLatencyMs: REVIEWS.iscLatencyMs,
      page: { iscCalls: pageCalls, items, ackMs: Math.round(pageAck.ms), shownMs: Math.round(page.at - pageStarted) },
      approveAll: {
        items: decided.length,
        distinctItems: new Set(decided.map((d) => d.itemId)).size,
        decideCalls: decideCalls(rig) - beforeAll,
        ackMs: Math.round(ack.ms),
        updatedMs: Math.round(updated.at - started),
        ackRatioToPageTurn: Math.round((ack.ms / pageAck.ms) * 100) / 100,
      },
    };
  } finally {
    rig.iscLatencyMs = 0;
  }
}

export function accessReviewRows(r: Awaited<ReturnType<typeof accessReviews>>): string[] {
  const a = r.approveAll;
  return [
    `| access review: a page, ISC ${r.iscLatencyMs} ms | ${r.page.iscCalls} ISC requests, ${r.page.items} items shown, ack ${r.page.ackMs} ms, shown after ${r.page.shownMs} ms | ≤ 2 ISC |`,
    `| access review: Approve all over ${a.items} items (${a.distinctItems} distinct), ISC ${r.iscLatencyMs} ms | ${a.decideCalls} decide calls; ack ${a.ackMs} ms (${a.ackRatioToPageTurn}× a page turn's); page updated after ${a.updatedMs} ms | ≤ 2 decide calls, ack ≪ 3 s, updated ≤ 5 s |`,
  ];
}
