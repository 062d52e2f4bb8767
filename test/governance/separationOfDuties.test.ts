import { selfDecisionRefusal } from '../../src/governance/separationOfDuties';

describe('selfDecisionRefusal', () => {
  it('lets an owner decide their own item, whoever requested it (ISC applies its own rules there)', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'fred', requestedForId: 'fred' }, 'work item')).toBeUndefined();
  });

  it('lets someone act for another owner on an item neither requested by nor for them', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requesterId: 'bob', requestedForId: 'carol' }, 'work item')).toBeUndefined();
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred' }, 'work item')).toBeUndefined();
  });

  it('refuses acting for another owner on an item one requested, or that is requested for one, and says why', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requesterId: 'ada' }, 'work item')).toMatch(
      /^You requested this work item, so you may not decide it for its owner \(separation of duties\)\. Nothing was changed in ISC\./,
    );
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requestedForId: 'ada' }, 'access request')).toMatch(/^This access request is requested for you/);
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: null, requesterId: 'ada' }, 'work item')).toMatch(/You requested/);
  });

  it('refuses acting for another owner without an ISC identity: the check cannot be made', () => {
    expect(selfDecisionRefusal({ actorIdentityId: null, ownerId: 'fred', requesterId: 'bob' }, 'work item')).toMatch(/maps to no ISC identity.*Nothing was changed in ISC/);
  });
});
