// `npm run demo` in a real headless browser: the page's clicks go through the demo's Slack stand-in to
// the bot's real receiver, and change the items in the sandbox tenant.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { DEMO_CHANNELS, DEMO_PEOPLE, startDemo, type RunningDemo } from '../../demo/demo';
import { createLogger } from '../../src/log';
import { SEED_ACCESS_REQUEST_APPROVALS } from '../../src/sandbox/approvalSeed';
import { SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install chromium) to run the demo's browser test`);
if (!haveChromium) console.warn(`Skipping the demo's browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const describeWithBrowser = haveChromium ? describe : describe.skip;

const [ADA, BEN, MAYA] = DEMO_PEOPLE;
const DIGEST_CHANNEL = DEMO_CHANNELS[0];

jest.setTimeout(60_000);

describeWithBrowser('npm run demo in a headless browser', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;
  const logs: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ port: 0, logger: createLogger('info', (line) => logs.push(line)) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => logs.push(`page error: ${e.message}`));
  });

  afterEach(async () => {
    await page.close();
    expect(logs.filter((l) => /page error| ERROR /.test(l))).toEqual([]);
  });

  async function openAs(userId: string, conversation: string): Promise<void> {
    await page.goto(`${demo.url}/?as=${userId}`);
    await page.locator(`[data-conversation="${conversation}"]`).click();
  }

  async function type(text: string): Promise<void> {
    await page.locator('#composer').fill(text);
    await page.locator('#composer').press('Enter');
  }

  /** Types a line in the message box and returns the bot's answer: the newest message that was not there before. */
  async function command(text: string): Promise<Locator> {
    const before = await page.locator('#messages article.message').count();
    await type(text);
    await page.locator('#messages article.message').nth(before).waitFor();
    return page.locator('#messages article.message').last();
  }

  /** Clicks a button; says yes in its confirm dialog when it has one. */
  async function click(button: Locator): Promise<void> {
    await button.click();
    const confirm = page.locator('#confirm-layer [data-confirm="yes"]');
    if (await confirm.isVisible()) await confirm.click();
  }

  /** The modal a click opened, once the bot has filled it in (its first view says it is loading). */
  async function modalWith(label: string): Promise<Locator> {
    const modal = page.locator('#modal-layer .modal');
    await modal.locator('.bk-label', { hasText: label }).waitFor();
    return modal;
  }

  async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('approves a work item from /workitems: ISC has it approved and the card in the page says so', async () => {
    await openAs(ADA.id, DIGEST_CHANNEL.name);
    const list = await command('/workitems');
    await list.getByText(/Showing 1–\d+ of \d+/).waitFor();
    // Most urgent first: the work item waiting 10 days (overdue) is at the top of the first page. The
    // card's title is built from its line (ISC's hostile text shown as text): what is asked, on which system.
    const lead = list.locator('.bk-section', { hasText: 'Totally-Safe-Team> on GitHub' }).first();
    await lead.waitFor();
    expect(demo.sandbox.getWorkItemState(SEED_WORK_ITEMS.adaHostile)?.state).toBe('Pending');

    // Its own Approve: the buttons block that follows its text.
    const buttons = lead.locator('xpath=following-sibling::div[contains(@class, "bk-actions")][1]');
    await click(buttons.getByRole('button', { name: 'Approve', exact: true }));

    await until(() => demo.sandbox.getWorkItemState(SEED_WORK_ITEMS.adaHostile)?.state === 'Finished', 'ISC has the work item approved');
    await list.getByText(/Approved by/).first().waitFor();
    expect(await list.getByText('Only visible to you').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshotDir(), 'demo-approved.png') });
  });

  it("opens an item's Details from the overflow menu of its card in the list", async () => {
    await openAs(ADA.id, DIGEST_CHANNEL.name);
    const list = await command('/workitems');
    const before = await page.locator('#messages article.message').count();
    await list.getByRole('button', { name: 'More actions' }).first().click();
    await list.locator('.bk-overflow .menu:not([hidden])').getByRole('button', { name: 'Details' }).click();
    // Details answers with a new message: the item in full.
    await page.locator('#messages article.message').nth(before).waitFor();
    await page.locator('#messages article.message').last().locator('.bk-header').waitFor();
  });

  it('rejects an access request with the reason typed in the modal', async () => {
    const id = SEED_ACCESS_REQUEST_APPROVALS.adaCommentRequired;
    await openAs(ADA.id, DIGEST_CHANNEL.name);
    const card = await command(`/workitems ${id}`);
    await click(card.getByRole('button', { name: 'Reject', exact: true }));

    const modal = await modalWith('Reason');
    // The reason is required here: submitting without one is refused inside the modal, by the bot.
    await modal.locator('[data-modal-submit]').click();
    await modal.locator('.bk-error:not([hidden])').waitFor();
    expect(demo.sandbox.getAccessRequestApprovalState(id)?.decision).toBeUndefined();

    await modal.locator('textarea').fill('Ben already has this access through his team role');
    await modal.locator('[data-modal-submit]').click();

    await until(() => demo.sandbox.getAccessRequestApprovalState(id)?.decision !== undefined, 'ISC has the access request rejected');
    const decision = demo.sandbox.getAccessRequestApprovalState(id)!.decision!;
    expect(decision.state).toBe('REJECTED');
    expect(decision.reviewerComment?.comment).toBe('Ben already has this access through his team role');
    await card.getByText(/Rejected by/).first().waitFor();
  });

  it('forwards a work item to a person picked in the modal', async () => {
    await openAs(ADA.id, DIGEST_CHANNEL.name);
    const card = await command(`/workitems ${SEED_WORK_ITEMS.adaRemediation}`);
    await click(card.getByRole('button', { name: 'Forward', exact: true }));

    const modal = await modalWith('New owner');
    await modal.locator('select[data-etype="users_select"]').selectOption({ label: SEED_IDENTITIES.manager.name });
    await modal.locator('textarea').first().fill('Maya owns the Salesforce review this quarter');
    await modal.locator('[data-modal-submit]').click();

    await until(() => demo.sandbox.getWorkItemState(SEED_WORK_ITEMS.adaRemediation)?.ownerId === SEED_IDENTITIES.manager.id, 'ISC has the work item forwarded to Maya');
    await card.getByText(/Forwarded to/).first().waitFor();
  });

  it("posts the digest to its channel, where every one of the workspace's people sees it", async () => {
    await openAs(MAYA.id, DIGEST_CHANNEL.name);
    await command('/workitems digest');
    await until(() => demo.workspace.messages.some((m) => m.channel === DIGEST_CHANNEL.id && m.from === 'bot' && !m.ephemeralFor), 'the digest is in the channel');

    // Ada, not the admin who asked for it, sees it in the channel.
    await openAs(ADA.id, DIGEST_CHANNEL.name);
    const digest = page.locator('#messages article.message:not(.ephemeral)', { hasText: 'ISC digest' }).last();
    await digest.waitFor();
    const text = await digest.innerText();
    expect(text).toMatch(/ISC Work Items/);
    expect(text).not.toMatch(/ISC tasks/);
    // Task health is a post of its own.
    await page.locator('#messages article.message:not(.ephemeral)', { hasText: 'ISC task health' }).last().waitFor();
    await page.screenshot({ path: path.join(screenshotDir(), 'demo-digest.png') });
    // Open my inbox: Ada's own list, only to her.
    await digest.locator('[data-action-id="digest_open_inbox"]').click();
    await page.locator('#messages article.message.ephemeral', { hasText: 'Waiting on you in ISC' }).last().waitFor();
  });

  it('requests access from the form, picking from the options the bot suggests as one types', async () => {
    await openAs(BEN.id, 'general');
    // It answers with a form, not a message.
    await type('/workitems request');
    const modal = await modalWith('Access');
    await modal.locator('input[type=search]').fill('VPN');
    const choice = modal.locator('.bk-external select option', { hasText: 'VPN Access' });
    await choice.waitFor({ state: 'attached' });
    await modal.locator('.bk-external select').selectOption({ label: 'VPN Access' });
    await modal.locator('textarea').first().fill('On call from next week');
    await modal.locator('[data-modal-submit]').click();

    await until(() => demo.sandbox.stats().mutations.some((m) => m.method === 'POST' && /\/access-requests(\/v\d+)?$/.test(m.path) && m.status < 300), 'ISC has the access request');
    await modal.getByText(/Requested: VPN Access/).waitFor();
  });

  it("refuses a form posted by another site's page, and Web API calls without the bot's token", async () => {
    const form = await fetch(`${demo.url}/ui/type`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `user=${ADA.id}&channel=${DIGEST_CHANNEL.id}&text=/workitems` });
    expect(form.status).toBe(415);
    const api = await fetch(`${demo.url}/api/chat.postMessage`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: DIGEST_CHANNEL.id, text: 'spoof' }) });
    expect(await api.json()).toEqual({ ok: false, error: 'invalid_auth' });
    expect(demo.workspace.messages.some((m) => m.text === 'spoof')).toBe(false);
  });

  it("shows the Home tab, with the person's inbox on it", async () => {
    await openAs(ADA.id, 'app');
    await page.locator('[data-tab="home"]').click();
    const home = page.locator('#home .home-view');
    await home.getByText(/waiting on you/).first().waitFor();
    await home.getByText(/Decided today: \d+/).waitFor();
    // The filters and the working-hours menu re-render the tab.
    await home.locator('[data-action-id="home_filter_risky"]').click();
    await home.locator('.bk-button.primary[data-action-id="home_filter_risky"]').waitFor();
    await home.locator('select[data-action-id="home_set_hours"]').selectOption({ label: '09:00–17:00' });
    await home.getByText(/Reminders: on only 09:00–17:00 your time/).waitFor();
    await page.screenshot({ path: path.join(screenshotDir(), 'demo-home.png') });
  });
});

function screenshotDir(): string {
  const dir = path.join(process.env.DEMO_SCREENSHOTS || os.tmpdir(), 'isc-workitems-demo');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
