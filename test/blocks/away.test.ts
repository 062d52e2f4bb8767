import { renderAwayHomeSection, renderAwayModal, renderAwayResult } from '../../src/blocks/away';
import { validateBlocks, validateMessage, validateView } from '../../src/blocks/limits';
import { FORBIDDEN, HOSTILE, mrkdwnTexts } from './fixtures';

const status = (name = 'Maya Patel') => ({
  timeZone: 'Europe/Paris',
  configs: [
    { configType: 'ACCESS_REQUESTS' as const, targetIdentity: { id: 'm1', name }, startDate: '2026-12-20T23:00:00.000Z', endDate: '2027-01-01T23:00:00.000Z' },
    { configType: 'GENERIC_APPROVALS' as const, targetIdentity: { id: 'm1', name }, startDate: '2026-12-20T23:00:00.000Z', endDate: '' },
  ],
});

describe('out of office blocks', () => {
  it('says per kind of work who gets it, from the first to the last day in the person’s zone', () => {
    const shown = renderAwayResult({ kind: 'status', status: status() });
    expect(validateMessage(shown)).toEqual([]);
    expect(shown.text).toContain('• access-request approvals → *Maya Patel*, Mon, Dec 21, 2026 – Fri, Jan 1, 2027');
    expect(shown.text).toContain('• workflow approvals → *Maya Patel*, Mon, Dec 21, 2026 – until you end it');
    expect(renderAwayResult({ kind: 'status', status: { timeZone: 'UTC', configs: [] } }).text).toMatch(/You are not set as away/);
  });

  it('a partial failure names what ISC did not take', () => {
    const text = renderAwayResult({ kind: 'set', delegate: { id: 'm1', name: 'Maya' }, status: status(), failed: [{ configType: 'CERTIFICATIONS', message: 'ISC refused (400)' }] }).text;
    expect(text).toMatch(/^⚠️ ISC did not take all of it:\n• access reviews: ISC refused \(400\)/);
  });

  it('escapes ISC names, in the message and in the form', () => {
    const texts = [...mrkdwnTexts(renderAwayResult({ kind: 'status', status: status(HOSTILE) }).blocks), ...mrkdwnTexts(renderAwayModal(status(HOSTILE), '2026-12-10').blocks as never)];
    for (const text of texts) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  });

  it('the form: two date pickers from today and a person picker; End it now only when something is set', () => {
    const set = renderAwayModal(status(), '2026-12-10');
    expect(validateView(set)).toEqual([]);
    expect(set.blocks.filter((b) => b.type === 'input').map((b: any) => [b.element.type, b.element.initial_date])).toEqual([
      ['datepicker', '2026-12-10'],
      ['datepicker', '2026-12-10'],
      ['users_select', undefined],
    ]);
    expect(JSON.stringify(set)).toContain('away_off');
    expect(JSON.stringify(renderAwayModal({ timeZone: 'UTC', configs: [] }, '2026-12-10'))).not.toContain('away_off');
    expect(validateBlocks(renderAwayHomeSection(), 100)).toEqual([]);
  });
});
