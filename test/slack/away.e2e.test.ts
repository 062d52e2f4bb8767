import { AWAY_ACTION, AWAY_FIELDS, AWAY_VIEW } from '../../src/blocks/away';
import { validateView } from '../../src/blocks/limits';
import { createIscClient } from '../../src/isc/client';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startHarness, USERS, type Harness } from '../support/botHarness';

// Out of office through the real bot (signed requests to its receiver) against the sandbox tenant:
// `/workitems away <from> <to> @person` sets one reassignment configuration per kind of work, POST
// first and PUT to change them, `away` shows them, `away off` deletes them; bad input is refused
// before ISC is called.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const ROOT = '/reassignment-configurations/v1';
const writes = () => h.sandbox.stats().mutations.filter((m) => m.path.startsWith(ROOT)).map((m) => `${m.method} ${m.path.slice(ROOT.length) || '/'} ${m.status}`);
const mention = (u: { id: string }) => `<@${u.id}>`;
/** A date n days from today in Paris (Ada's zone), YYYY-MM-DD. */
const parisDay = (n: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + n * 86_400_000));
/** Midnight at the start of a Paris date, as ISC's date-time. */
const parisMidnight = (day: string) => {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  const offsetHours = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Paris', hour: 'numeric', hourCycle: 'h23' }).format(new Date(utcMidnight)));
  return new Date(utcMidnight - offsetHours * 3_600_000).toISOString();
};
const read = async () => {
  const isc = createIscClient({ baseUrl: h.sandbox.url, clientId: h.sandbox.clientId, clientSecret: h.sandbox.clientSecret });
  return (await isc.reassignmentConfigurations.getReassignmentConfiguration(SEED_IDENTITIES.ada.id)).configDetails ?? [];
};
const say = async (user: { id: string }, text: string, id: string) => {
  await h.command(user.id, text, id);
  return (await h.responsesTo(id))[0];
};

it('sets all four kinds of work for the dates in the caller’s zone (POST), changes them (PUT), shows them and ends them (DELETE), with audit records', async () => {
  const [d2, d4] = [parisDay(2), parisDay(4)];
  const set = await say(USERS.ada, `away ${d2} ${d4} ${mention(USERS.ben)}`, 'set');
  expect(set.text).toMatch(/^ℹ️ Done\. \*While you are away, ISC hands your work on:\*/);
  expect(set.text).toContain('access-request approvals → *Ben Builder*');
  expect(writes()).toEqual(Array(4).fill('POST / 201'));
  const configs = await read();
  expect(configs.map((c) => c.configType).sort()).toEqual(['ACCESS_REQUESTS', 'CERTIFICATIONS', 'GENERIC_APPROVALS', 'MANUAL_TASKS']);
  for (const c of configs) {
    expect(c).toMatchObject({ targetIdentity: { id: SEED_IDENTITIES.ben.id }, startDate: parisMidnight(d2), endDate: parisMidnight(parisDay(5)) });
  }

  // Changed: the same four configurations, replaced.
  const again = await say(USERS.ada, `away ${parisDay(1)} ${parisDay(3)} ${mention(USERS.admin)}`, 'again');
  expect(again.text).toMatch(/^ℹ️ Done\./);
  expect(writes().slice(4)).toEqual(Array(4).fill(`PUT /${SEED_IDENTITIES.ada.id} 200`));
  expect((await read()).every((c) => c.endDate === parisMidnight(parisDay(4)) && c.targetIdentity?.id !== SEED_IDENTITIES.ben.id)).toBe(true);

  const shown = await say(USERS.ada, 'away', 'show');
  expect(shown.text.match(/→/g)).toHaveLength(4);
  expect(shown.text).toContain('workflow approvals');

  const off = await say(USERS.ada, 'away off', 'off');
  expect(off.text).toBe('ℹ️ Welcome back: ISC gives your work to you again.');
  expect(writes().slice(8).sort()).toEqual(['ACCESS_REQUESTS', 'CERTIFICATIONS', 'GENERIC_APPROVALS', 'MANUAL_TASKS'].map((t) => `DELETE /${SEED_IDENTITIES.ada.id}/${t} 204`));
  expect((await say(USERS.ada, 'away', 'after')).text).toMatch(/You are not set as away/);
  expect((await say(USERS.ada, 'away off', 'off2')).text).toMatch(/You were not set as away; nothing to end/);

  const records = [];
  for await (const r of h.bot.audit.readSince(new Date(0))) records.push(r);
  expect(records.map((r) => [r.phase, r.item.kind, r.action, r.outcome, r.target?.identityId])).toEqual([
    ['intent', 'reassignment-configuration', 'away', undefined, SEED_IDENTITIES.ben.id],
    ['outcome', 'reassignment-configuration', 'away', 'done', SEED_IDENTITIES.ben.id],
    ['intent', 'reassignment-configuration', 'away', undefined, expect.any(String)],
    ['outcome', 'reassignment-configuration', 'away', 'done', expect.any(String)],
    ['intent', 'reassignment-configuration', 'awayOff', undefined, undefined],
    ['outcome', 'reassignment-configuration', 'awayOff', 'done', undefined],
  ]);
  expect(records[0]).toMatchObject({ slackUserId: USERS.ada.id, actorIdentityId: SEED_IDENTITIES.ada.id, comment: `${d2} to ${d4}` });
});

it('refuses on the spot, with no ISC write: oneself, a person without an ISC identity, dates reversed or past, a date it cannot read, no person', async () => {
  const cases: Array<[string, RegExp]> = [
    [`away ${parisDay(1)} ${parisDay(2)} ${mention(USERS.ada)}`, /cannot hand your work to yourself/],
    [`away ${parisDay(1)} ${parisDay(2)} ${mention(USERS.ghost)}`, new RegExp(`<@${USERS.ghost.id}> has no ISC identity the bot can find`)],
    [`away ${parisDay(3)} ${parisDay(1)} ${mention(USERS.ben)}`, /The end date \(.+\) is before the start date/],
    [`away ${parisDay(-5)} ${parisDay(-2)} ${mention(USERS.ben)}`, /is in the past; give dates from today/],
    [`away ${parisDay(-1)} ${parisDay(2)} ${mention(USERS.ben)}`, /The start date \(.+\) is in the past/],
    [`away 21.12.2026 2026-12-31 ${mention(USERS.ben)}`, /"21\.12\.2026" is not a date; dates are YYYY-MM-DD/],
    [`away 2026-02-30 2026-03-02 ${mention(USERS.ben)}`, /"2026-02-30" is not a date/],
    [`away ${parisDay(1)} ${parisDay(2)}`, /Name who covers for you with an @mention/],
  ];
  for (const [i, [text, expected]] of cases.entries()) expect((await say(USERS.ada, text, `r${i}`)).text).toMatch(expected);
  expect(writes()).toEqual([]);
  // Someone without an ISC identity is told so, in the words used everywhere else.
  expect((await say(USERS.ghost, `away ${parisDay(1)} ${parisDay(2)} ${mention(USERS.ben)}`, 'ghost')).text).toMatch(/SailPoint/);
  expect(writes()).toEqual([]);
});

describe('the Home tab form', () => {
  const formValues = (from: string, to: string, who: string) => ({
    [AWAY_FIELDS.from]: { [AWAY_FIELDS.from]: { type: 'datepicker', selected_date: from } },
    [AWAY_FIELDS.to]: { [AWAY_FIELDS.to]: { type: 'datepicker', selected_date: to } },
    [AWAY_FIELDS.who]: { [AWAY_FIELDS.who]: { type: 'users_select', selected_user: who } },
  });
  const submit = (form: { id: string; view: Record<string, any> }, from: string, to: string, who: string) =>
    h.submitView(USERS.ada.id, { id: form.id, callback_id: AWAY_VIEW, private_metadata: form.view.private_metadata ?? '', state: { values: formValues(from, to, who) } });
  const finalView = async (text: RegExp) => {
    await h.slack.waitFor(() => h.slack.callsTo('views.update').some((c) => text.test(JSON.stringify(c.args.view))));
    return JSON.stringify(h.slack.callsTo('views.update').at(-1)!.args.view);
  };

  it('Home has a Set away… button; its form has two date pickers and a person picker, puts problems on their field, then sets it', async () => {
    const form = await h.openForm(USERS.ada.id, AWAY_ACTION.open, 'away', { home: true });
    expect(form.view.callback_id).toBe(AWAY_VIEW);
    const inputs = form.view.blocks.filter((b: any) => b.type === 'input').map((b: any) => [b.block_id, b.element.type]);
    expect(inputs).toEqual([
      [AWAY_FIELDS.from, 'datepicker'],
      [AWAY_FIELDS.to, 'datepicker'],
      [AWAY_FIELDS.who, 'users_select'],
    ]);
    expect(JSON.stringify(form.view.blocks)).toContain('You are not set as away');

    expect(JSON.parse((await submit(form, parisDay(1), parisDay(2), USERS.ada.id)).body)).toEqual({ response_action: 'errors', errors: { [AWAY_FIELDS.who]: expect.stringMatching(/yourself/) } });
    expect(JSON.parse((await submit(form, parisDay(1), parisDay(2), USERS.ghost.id)).body)).toEqual({ response_action: 'errors', errors: { [AWAY_FIELDS.who]: expect.stringMatching(/^That person has no ISC identity/) } });
    expect(JSON.parse((await submit(form, parisDay(3), parisDay(1), USERS.ben.id)).body)).toEqual({ response_action: 'errors', errors: { [AWAY_FIELDS.to]: expect.stringMatching(/before the start date/) } });
    expect(writes()).toEqual([]);

    expect(JSON.parse((await submit(form, parisDay(1), parisDay(2), USERS.ben.id)).body).response_action).toBe('update');
    expect(await finalView(/Done\./)).toContain('Ben Builder');
    expect(writes()).toEqual(Array(4).fill('POST / 201'));

    // Opened again: what is set, and End it now, which ends it.
    const again = await h.openForm(USERS.ada.id, AWAY_ACTION.open, 'away', { home: true });
    expect(JSON.stringify(again.view.blocks)).toContain('While you are away');
    await h.click(USERS.ada.id, AWAY_ACTION.off, 'off', { modalViewId: again.id });
    expect(await finalView(/Welcome back/)).toContain('ISC gives your work to you again');
    expect(await read().catch((e) => e.status)).toBe(404);
  });

  it('the Home tab has the section with its button, next to the inbox', async () => {
    await h.event({ type: 'app_home_opened', user: USERS.ada.id, channel: 'D0ADA', tab: 'home', event_ts: '1.0' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
    const { view } = h.slack.callsTo('views.publish')[0].args as { view: Record<string, any> };
    expect(validateView(view as never)).toEqual([]);
    const actions = view.blocks.find((b: any) => b.block_id === 'home_away_actions');
    expect(actions.elements.map((e: any) => [e.action_id, e.text.text])).toEqual([[AWAY_ACTION.open, 'Set away…']]);
  });
});
