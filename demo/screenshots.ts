// `npm run screenshots [folder]`: one PNG per view of the bot, taken from the `npm run demo` page in
// headless Chromium (Debian's package), written to the folder (default docs/screenshots/). The demo runs in
// this process with its seed people and items, so the same command gives the same pictures on every branch.
//
// The bot's messages change over time, so the views find their controls the way a person would: a button
// by its visible text (regexes, so a renamed label still matches), or else the same text as an option of an
// overflow "…" menu or a select. A view that cannot be reached is logged and skipped (each has a time
// limit); the command exits non-zero at the end naming the views that failed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createLogger } from '../src/log';
import { SEED_ACCESS_REQUEST_APPROVALS } from '../src/sandbox/approvalSeed';
import { SEED_IDENTITIES, SEED_WORK_ITEMS } from '../src/sandbox/seed';
import { DEMO_CHANNELS, DEMO_PEOPLE, startDemo, type RunningDemo } from './demo';

const [ADA, BEN, MAYA] = DEMO_PEOPLE;
const DIGEST_CHANNEL = DEMO_CHANNELS[0].name;
const GENERAL = DEMO_CHANNELS[1].name;
const VIEWPORT = { width: 1280, height: 860 };
/** The longest a view may take, from opening the page to its PNG. */
const VIEW_TIMEOUT_MS = 30_000;
/** How long to look for one control or one answer before trying the next way or giving up. */
const STEP_MS = 8_000;
/** Tall elements get a taller viewport (so nothing is cut by the page's scrolling panes), up to this. */
const MAX_HEIGHT = 6_000;

interface Shot {
  /** The PNG's file name, without .png; stable across runs and branches. */
  name: string;
  what: string;
  /** Room to leave around the element, in pixels (for one drawn without margins of its own). */
  pad?: number;
  /** Drives the page to the view and returns the element to photograph (or the page itself). */
  run(s: Session): Promise<Locator | 'viewport'>;
}

/** One fresh page in the running demo, with the ways of driving it that the views share. */
class Session {
  constructor(
    readonly page: Page,
    readonly demo: RunningDemo,
  ) {}

  async openAs(userId: string, conversation: string): Promise<void> {
    await this.page.goto(`${this.demo.url}/?as=${userId}`);
    await this.page.locator(`[data-conversation="${conversation}"]`).click();
  }

  /** Types a line in the message box; returns the bot's answer, the first message that was not there before. */
  async command(text: string): Promise<Locator> {
    const messages = this.page.locator('#messages article.message');
    const before = await messages.count();
    await this.page.locator('#composer').fill(text);
    await this.page.locator('#composer').press('Enter');
    await messages.nth(before).waitFor({ timeout: STEP_MS });
    // The bot may answer with a "working on it" line and replace it: let the answer settle.
    await this.settle();
    return messages.nth(before);
  }

  /** Waits until the page has not changed for a moment (the page redraws on each change the demo pushes). */
  async settle(quietMs = 400, maxMs = 5_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = await this.page.locator('#main').innerHTML();
    while (Date.now() < deadline) {
      await this.page.waitForTimeout(quietMs);
      const now = await this.page.locator('#main').innerHTML();
      if (now === last) return;
      last = now;
    }
  }

  /**
   * Clicks the control whose visible text matches, inside `scope`: a button, else an option of an
   * overflow menu (opened first), else an option of a select. Says yes to its confirm dialog, if any.
   * Tries the patterns in order; throws when none matches.
   */
  async action(scope: Locator, ...names: RegExp[]): Promise<void> {
    for (const name of names) {
      const button = scope.getByRole('button', { name }).filter({ visible: true });
      if (await button.count()) {
        await button.first().click();
        return this.confirm();
      }
    }
    const overflows = scope.locator('.bk-overflow');
    for (let i = 0; i < (await overflows.count()); i++) {
      const menu = overflows.nth(i);
      await menu.locator('.overflow-toggle').click();
      for (const name of names) {
        const option = menu.locator('.menu-item').filter({ hasText: name }).filter({ visible: true });
        if (await option.count()) {
          await option.first().click();
          return this.confirm();
        }
      }
      await menu.locator('.overflow-toggle').click();
    }
    const selects = scope.locator('select.bk-select');
    for (let i = 0; i < (await selects.count()); i++) {
      const select = selects.nth(i);
      for (const name of names) {
        const option = select.locator('option').filter({ hasText: name });
        if (await option.count()) {
          await select.selectOption({ label: (await option.first().innerText()).trim() });
          return this.confirm();
        }
      }
    }
    throw new Error(`no button, menu option or select option matching ${names.join(' or ')}`);
  }

  /**
   * Clicks a control of `scope` that opens something, and returns what it opened: a form, a new message,
   * or `scope` itself once the bot has redrawn it in place.
   */
  async opened(scope: Locator, ...names: RegExp[]): Promise<Locator> {
    const messages = this.page.locator('#messages article.message');
    const count = await messages.count();
    const before = await scope.innerHTML();
    await this.action(scope, ...names);
    const deadline = Date.now() + STEP_MS;
    while (Date.now() < deadline) {
      if (await this.page.locator('#modal-layer .modal').isVisible()) return this.modal();
      if ((await messages.count()) > count) {
        await this.settle();
        return messages.last();
      }
      if ((await scope.innerHTML()) !== before) {
        await this.settle();
        return scope;
      }
      await this.page.waitForTimeout(100);
    }
    throw new Error(`nothing opened after clicking ${names.join(' or ')}`);
  }

  /** Whether `action` would find a control (a button or a menu/select option) matching one of the names. */
  async hasAction(scope: Locator, ...names: RegExp[]): Promise<boolean> {
    for (const name of names) {
      if (await scope.getByRole('button', { name }).filter({ visible: true }).count()) return true;
      if (await scope.locator('.bk-overflow .menu-item, select.bk-select option').filter({ hasText: name }).count()) return true;
    }
    return false;
  }

  private async confirm(): Promise<void> {
    const yes = this.page.locator('#confirm-layer [data-confirm="yes"]');
    // The page draws a confirm dialog at once, when the control has one.
    await this.page.waitForTimeout(150);
    if (await yes.isVisible()) await yes.click();
  }

  /** The modal on top, once the bot has filled it in (its first view may only say it is loading). */
  async modal(): Promise<Locator> {
    const modal = this.page.locator('#modal-layer .modal');
    await modal.waitFor({ timeout: STEP_MS });
    await modal.locator('textarea, input, select, .bk-label').first().waitFor({ timeout: STEP_MS });
    await this.settle();
    return modal;
  }

  /** The newest message of the current conversation that matches (text or regex). */
  async lastMessage(matching: RegExp, opts: { ephemeral?: boolean } = {}): Promise<Locator> {
    const selector = opts.ephemeral === false ? '#messages article.message:not(.ephemeral)' : '#messages article.message';
    const message = this.page.locator(selector).filter({ hasText: matching }).last();
    await message.waitFor({ timeout: STEP_MS });
    await this.settle();
    return message;
  }
}

/** An access-request card, as `/workitems <id>` shows it to Ada. */
async function accessRequestCard(s: Session, id: string): Promise<Locator> {
  await s.openAs(ADA.id, DIGEST_CHANNEL);
  const card = await s.command(`/workitems ${id}`);
  await card.getByRole('button').first().waitFor({ timeout: STEP_MS });
  return card;
}

const APPROVE = /^\W*Approve\W*$/i;
const APPROVE_WITH_COMMENT = [/Approve with (a )?comment/i, /^\W*Approve\s*(…|\.\.\.)\W*$/i];
const FORWARD = /^\W*Forward\W*$/i;
const DETAILS = /^\W*(Details|View details|Open details)\W*$/i;

export const SHOTS: Shot[] = [
  {
    name: '00-demo-page',
    what: "the demo page as a first visitor sees it, Ada's /workitems list open (the README's first picture)",
    async run(s) {
      await s.openAs(ADA.id, DIGEST_CHANNEL);
      const list = await s.command('/workitems');
      await list.getByRole('button').first().waitFor({ timeout: STEP_MS });
      await list.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      return 'viewport';
    },
  },
  {
    name: '01-workitems-list',
    what: 'the /workitems list, first page',
    async run(s) {
      await s.openAs(ADA.id, DIGEST_CHANNEL);
      const list = await s.command('/workitems');
      await list.getByRole('button').first().waitFor({ timeout: STEP_MS });
      return list;
    },
  },
  {
    name: '02-access-request-sod',
    what: 'an access-request card with an SoD violation',
    run: (s) => accessRequestCard(s, SEED_ACCESS_REQUEST_APPROVALS.adaSodViolation),
  },
  {
    name: '03-work-item-details',
    what: 'a work item with several lines, in detail',
    async run(s) {
      await s.openAs(ADA.id, DIGEST_CHANNEL);
      const card = await s.command(`/workitems ${SEED_WORK_ITEMS.adaMultiApproval}`);
      await card.getByRole('button').first().waitFor({ timeout: STEP_MS });
      // Where the card is a summary with a Details control, the details are what it opens.
      if (!(await s.hasAction(card, DETAILS))) return card;
      return s.opened(card, DETAILS);
    },
  },
  {
    name: '04-approve-with-comment-sod',
    what: 'the approve-with-comment form on an SoD item (justification)',
    async run(s) {
      const card = await accessRequestCard(s, SEED_ACCESS_REQUEST_APPROVALS.adaSodViolation);
      await s.action(card, ...APPROVE_WITH_COMMENT);
      return s.modal();
    },
  },
  {
    name: '05-forward-form',
    what: 'the forward form',
    async run(s) {
      const card = await accessRequestCard(s, SEED_ACCESS_REQUEST_APPROVALS.adaPlain);
      await s.action(card, FORWARD);
      return s.modal();
    },
  },
  {
    name: '06-card-approved',
    what: 'a card after a decision (approved)',
    async run(s) {
      const card = await accessRequestCard(s, SEED_ACCESS_REQUEST_APPROVALS.adaPlain);
      await s.action(card, APPROVE);
      // Some approve paths ask for a comment first: send the form as it is.
      await s.page.waitForTimeout(300);
      if (await s.page.locator('#modal-layer .modal').isVisible()) await s.page.locator('#modal-layer [data-modal-submit]').click();
      await card.getByText(/Approved/).first().waitFor({ timeout: STEP_MS });
      await s.settle();
      return card;
    },
  },
  {
    name: '07-home-tab',
    what: 'the Home tab',
    pad: 16,
    async run(s) {
      await s.openAs(ADA.id, 'app');
      await s.page.locator('[data-tab="home"]').click();
      const home = s.page.locator('#home .home-view');
      await home.getByRole('button').first().waitFor({ timeout: STEP_MS });
      await s.settle();
      return home;
    },
  },
  {
    name: '08-digest',
    what: 'the digest post in the digest channel',
    async run(s) {
      await s.openAs(MAYA.id, DIGEST_CHANNEL);
      await s.command('/workitems digest');
      // As one of the channel's people sees it, not the admin who asked for it.
      await s.openAs(ADA.id, DIGEST_CHANNEL);
      return s.lastMessage(/ISC digest/, { ephemeral: false });
    },
  },
  {
    name: '15-task-health',
    what: "the admins' task-health post beside the digest",
    async run(s) {
      await s.openAs(MAYA.id, DIGEST_CHANNEL);
      await s.command('/workitems digest');
      return s.lastMessage(/ISC task health/, { ephemeral: false });
    },
  },
  {
    name: '09-dm-new-item',
    what: 'a DM notification of a new item',
    async run(s) {
      const notifier = s.demo.bot.notifier;
      // The first cycle takes in what is already there; the item added after it is new.
      await notifier.runCycle();
      const sod = s.demo.sandbox.getAccessRequestApprovalState(SEED_ACCESS_REQUEST_APPROVALS.adaSodViolation);
      const ben = { type: 'IDENTITY' as const, id: SEED_IDENTITIES.ben.id, name: SEED_IDENTITIES.ben.name };
      s.demo.sandbox.addAccessRequestApproval({
        owner: { id: SEED_IDENTITIES.ada.id },
        requester: ben,
        requestedFor: ben,
        requestedObject: { id: 'b0000000000000000000000000000d01', name: 'NetSuite AP Payment Approval', type: 'ENTITLEMENT', description: 'Approve vendor payments in NetSuite' },
        requesterComment: { comment: 'Covering for the AP lead during the year-end close', created: new Date().toISOString(), author: ben },
        sodViolationContext: sod?.sodViolationContext ?? null,
      });
      await notifier.runCycle();
      await s.openAs(ADA.id, 'app');
      await s.page.locator('[data-tab="messages"]').click();
      return s.lastMessage(/NetSuite AP Payment Approval/);
    },
  },
  {
    name: '10-away-answer',
    what: '/workitems away: the answer (or the form it opens)',
    async run(s) {
      await s.openAs(ADA.id, GENERAL);
      await s.page.locator('#composer').fill('/workitems away');
      await s.page.locator('#composer').press('Enter');
      // It may answer with a form or with a message.
      await s.page.locator('#modal-layer .modal, #messages article.message').first().waitFor({ timeout: STEP_MS });
      await s.settle();
      if (await s.page.locator('#modal-layer .modal').isVisible()) return s.modal();
      return s.lastMessage(/away|out of office|delegat/i);
    },
  },
  {
    name: '11-away-form',
    what: 'the away (out of office) form, from the Home tab',
    async run(s) {
      await s.openAs(ADA.id, 'app');
      await s.page.locator('[data-tab="home"]').click();
      const home = s.page.locator('#home .home-view');
      await home.getByRole('button').first().waitFor({ timeout: STEP_MS });
      await s.action(home, /Set away|Away|Out of office/i);
      return s.modal();
    },
  },
  {
    name: '12-request-access-form',
    what: 'the request-access form',
    async run(s) {
      await s.openAs(BEN.id, GENERAL);
      await s.page.locator('#composer').fill('/workitems request');
      await s.page.locator('#composer').press('Enter');
      return s.modal();
    },
  },
  {
    name: '13-access-review',
    what: 'an access review (certification)',
    async run(s) {
      await s.openAs(ADA.id, GENERAL);
      const list = await s.command('/workitems reviews');
      return s.opened(list, /^\W*Review\W*$/i, /Open|Start review/i);
    },
  },
  {
    name: '14-my-requests',
    what: '/workitems requests',
    async run(s) {
      await s.openAs(BEN.id, GENERAL);
      // One request made through the form first, so the list has something in it.
      await s.page.locator('#composer').fill('/workitems request');
      await s.page.locator('#composer').press('Enter');
      const form = await s.modal();
      await form.locator('input[type=search]').first().fill('VPN');
      await form.locator('.bk-external select option', { hasText: /VPN/ }).first().waitFor({ state: 'attached', timeout: STEP_MS });
      const label = (await form.locator('.bk-external select option', { hasText: /VPN/ }).first().innerText()).trim();
      await form.locator('.bk-external select').first().selectOption({ label });
      await form.locator('textarea').first().fill('On call from next week');
      await form.locator('[data-modal-submit]').click();
      await form.getByText(/Requested/).first().waitFor({ timeout: STEP_MS });
      await s.page.locator('#modal-layer [data-modal-close], #modal-layer .close').first().click();
      await s.page.locator('#modal-layer .modal').waitFor({ state: 'hidden', timeout: STEP_MS });
      return s.command('/workitems requests');
    },
  },
];

/** Photographs the element whole: a taller viewport for a tall one, so the page's scrolling panes cut nothing. */
async function shoot(page: Page, target: Locator | 'viewport', file: string, pad = 0): Promise<void> {
  if (target === 'viewport') {
    await page.screenshot({ path: file });
    return;
  }
  const box = await target.boundingBox();
  if (box && box.height + 200 > VIEWPORT.height) {
    await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(MAX_HEIGHT, Math.ceil(box.height) + 260) });
    await page.waitForTimeout(200);
  }
  await target.scrollIntoViewIfNeeded();
  const at = pad ? await target.boundingBox() : null;
  if (!at) return void (await target.screenshot({ path: file, animations: 'disabled' }));
  const size = page.viewportSize() ?? VIEWPORT;
  const x = Math.max(0, at.x - pad);
  const y = Math.max(0, at.y - pad);
  await page.screenshot({ path: file, animations: 'disabled', clip: { x, y, width: Math.min(size.width - x, at.width + 2 * pad), height: Math.min(size.height - y, at.height + 2 * pad) } });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Whether fontconfig knows a font with emoji (the bot's messages use them); true when it cannot be asked. */
function hasEmojiFont(): boolean {
  try {
    return execFileSync('fc-list', [':charset=1f600', 'family'], { encoding: 'utf8', timeout: 5_000 }).trim() !== '';
  } catch {
    return true;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write('Usage: npm run screenshots [-- <folder>] [--only <name,...>]\n  Writes one PNG per view of the bot, from the demo page, to the folder (default docs/screenshots/).\n');
    return;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;
  const positional = args.filter((a, i) => !a.startsWith('--') && !(onlyAt >= 0 && i === onlyAt + 1));
  const outDir = path.resolve(positional[0] ?? path.join('docs', 'screenshots'));
  const shots = only ? SHOTS.filter((s) => only.has(s.name)) : SHOTS;
  if (only && shots.length !== only.size) throw new Error(`Unknown view(s) in --only; the views are: ${SHOTS.map((s) => s.name).join(', ')}`);

  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary`);
  }
  if (!hasEmojiFont()) process.stderr.write('Warning: no colour emoji font (fontconfig finds none for U+1F600): emoji will show as empty boxes; apt-get install fonts-noto-color-emoji\n');
  fs.mkdirSync(outDir, { recursive: true });

  const started = performance.now();
  const logs: string[] = [];
  const demo = await startDemo({ port: 0, logger: createLogger('info', (line) => logs.push(line)) });
  let browser: Browser | undefined;
  const failed: { name: string; why: string }[] = [];
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--font-render-hinting=none'],
    });
    for (const shot of shots) {
      const t0 = performance.now();
      const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', timezoneId: 'Europe/Paris' });
      page.setDefaultTimeout(STEP_MS);
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const file = path.join(outDir, `${shot.name}.png`);
      try {
        await withTimeout(
          (async () => {
            const target = await shot.run(new Session(page, demo));
            await shoot(page, target, file, shot.pad);
          })(),
          VIEW_TIMEOUT_MS,
        );
        if (pageErrors.length) throw new Error(`the page failed: ${pageErrors.join('; ')}`);
        const kb = (fs.statSync(file).size / 1024).toFixed(0);
        process.stdout.write(`  ✓ ${shot.name}.png  ${shot.what}  (${kb} KB, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      } catch (e) {
        const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        failed.push({ name: shot.name, why });
        process.stdout.write(`  ✗ ${shot.name}  ${shot.what}: ${why}\n`);
      } finally {
        await page.close().catch(() => undefined);
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await demo.close().catch(() => undefined);
  }
  const errors = logs.filter((l) => / ERROR /.test(l));
  if (errors.length) process.stdout.write(`\nThe bot logged ${errors.length} error(s) meanwhile; the first: ${errors[0]}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n${shots.length - failed.length} of ${shots.length} views written to ${outDir} in ${seconds} s\n`);
  if (failed.length) {
    process.stderr.write(`Views that could not be captured: ${failed.map((f) => `${f.name} (${f.why})`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().then(
    // The demo's servers are closed; anything left (a stray timer) must not keep the command running.
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`npm run screenshots failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
