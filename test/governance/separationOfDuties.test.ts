import { selfDecisionRefusal } from '../../src/governance/separationOfDuties';

describe('selfDecisionRefusal', () => {
  it('lets someone decide an item neither requested by nor for them, as its owner or for another owner', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'bob', requestedForId: 'carol' }, 'work item')).toBeUndefined();
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requesterId: 'bob', requestedForId: 'carol' }, 'work item')).toBeUndefined();
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred' }, 'work item')).toBeUndefined();
  });

  it('refuses an owner deciding an item they requested or that is for them: ISC may see only the service identity, so the bot checks', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'fred' }, 'work item')).toBe(
      'You requested this work item, so you may not decide, forward or reassign it yourself (separation of duties). Nothing was changed in ISC. Ask an ISC admin to give it to another approver.',
    );
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'bob', requestedForId: 'fred' }, 'access request')).toBe(
      'This access request is requested for you, so you may not decide, forward or reassign it yourself (separation of duties). Nothing was changed in ISC. Ask an ISC admin to give it to another approver.',
    );
  });

  it('refuses acting for another owner on an item one requested, or that is requested for one, and says why', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requesterId: 'ada' }, 'work item')).toMatch(
      /^You requested this work item, so you may not decide it for its owner \(separation of duties\)\. Nothing was changed in ISC\./,
    );
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: 'fred', requestedForId: 'ada' }, 'access request')).toMatch(/^This access request is requested for you/);
    expect(selfDecisionRefusal({ actorIdentityId: 'ada', ownerId: null, requesterId: 'ada' }, 'work item')).toMatch(/You requested/);
  });

  it('refuses handing an item to the person who requested it or whom it is for, naming them escaped', () => {
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'bob', target: { identityId: 'bob', name: 'Bob <!here>' } }, 'work item')).toBe(
      'Bob &lt;!here&gt; requested this work item, so it cannot be handed to them (separation of duties). Nothing was changed in ISC. Pick someone else.',
    );
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requestedForId: 'carol', target: { identityId: 'carol', name: 'Carol' } }, 'approval')).toBe(
      'This approval is for Carol, so it cannot be handed to them (separation of duties). Nothing was changed in ISC. Pick someone else.',
    );
    expect(selfDecisionRefusal({ actorIdentityId: 'fred', ownerId: 'fred', requesterId: 'bob', requestedForId: 'carol', target: { identityId: 'dan', name: 'Dan' } }, 'work item')).toBeUndefined();
  });

  it('refuses acting for another owner without an ISC identity: the check cannot be made', () => {
    expect(selfDecisionRefusal({ actorIdentityId: null, ownerId: 'fred', requesterId: 'bob' }, 'work item')).toMatch(/maps to no ISC identity.*Nothing was changed in ISC/);
  });
});
