import { parseWorkitemsCommand } from '../../src/slack/commands/parseWorkitemsCommand';

describe('/workitems notify', () => {
  it.each([
    ['notify', { kind: 'notify' }],
    ['notify on', { kind: 'notify', on: true }],
    ['NOTIFY Off', { kind: 'notify', on: false }],
  ])('%j', (text, parsed) => {
    expect(parseWorkitemsCommand(text)).toEqual(parsed);
  });

  it.each([
    ['notify maybe', '`notify` takes `on` or `off`.'],
    ['notify on off', '`notify` takes `on` or `off`.'],
    ['notify off <@U1AAA>', '`notify` takes no @user.'],
  ])('%j is refused', (text, problem) => {
    expect(parseWorkitemsCommand(text)).toEqual({ kind: 'invalid', problem });
  });
});
