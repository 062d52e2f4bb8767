import { applyFilter, isOverdue, isRisky } from '../../src/home/filters';
import type { InboxItem } from '../../src/inbox/items';
import { NOW, accessRequest, genericApproval, sodViolation, withViolations, workItem } from '../blocks/fixtures';

const wi = (id: string, created: string): InboxItem => ({ kind: 'workItem', item: workItem({ id, created }) });
const sod: InboxItem = { kind: 'accessRequest', item: accessRequest({ id: 'sod', privilegeLevel: null, ...withViolations([sodViolation()]) }) };
const high: InboxItem = { kind: 'accessRequest', item: accessRequest({ id: 'high', privilegeLevel: 'HIGH' }) };
const low: InboxItem = { kind: 'accessRequest', item: accessRequest({ id: 'low', privilegeLevel: 'LOW' }) };
const overdue: InboxItem = { kind: 'generic', item: genericApproval({ id: 'late', dueDate: '2026-11-21T09:00:00Z', createdDate: '2026-11-22T09:00:00Z' }) };
const dueLater: InboxItem = { kind: 'generic', item: genericApproval({ id: 'later', dueDate: '2026-11-30T09:00:00Z', createdDate: '2026-11-01T09:00:00Z' }) };
const ids = (items: InboxItem[]) => items.map((e) => e.item.id);

describe('Home filters', () => {
  it('risky: an SoD violation or high privilege, nothing else', () => {
    expect([sod, high, low, wi('w', '2026-11-22T00:00:00Z'), overdue].map(isRisky)).toEqual([true, true, false, false, false]);
  });

  it('overdue: past its due date, or waiting longer than the stale days when it has none', () => {
    expect(isOverdue(overdue, NOW, 3)).toBe(true);
    // A due date still ahead wins over its age.
    expect(isOverdue(dueLater, NOW, 3)).toBe(false);
    expect(isOverdue(wi('old', '2026-11-18T12:00:00Z'), NOW, 3)).toBe(true);
    expect(isOverdue(wi('new', '2026-11-20T12:00:00Z'), NOW, 3)).toBe(false);
  });

  it('most urgent first: overdue, then risky, then the oldest', () => {
    const items = [wi('young', '2026-11-22T00:00:00Z'), wi('older', '2026-11-21T00:00:00Z'), high, overdue, wi('stale', '2026-11-10T00:00:00Z')];
    expect(ids(applyFilter(items, 'all', NOW, 3))).toEqual(['stale', 'late', 'high', 'older', 'young']);
    expect(ids(applyFilter(items, 'risky', NOW, 3))).toEqual(['high']);
    expect(ids(applyFilter(items, 'overdue', NOW, 3))).toEqual(['stale', 'late']);
  });
});
