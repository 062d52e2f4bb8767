import { parseWorkitemsCommand, type WorkitemsCommand } from '../../../src/slack/commands/parseWorkitemsCommand';

const HEX_ID = '2c9180835d2e5168015d32f890ca1581';
const UUID = '2c918083-5d2e-5168-015d-32f890ca1581';

/** The `problem` of an invalid parse; fails the test when the parse is not invalid. */
function problemOf(text: string): string {
  const parsed = parseWorkitemsCommand(text);
  if (parsed.kind !== 'invalid') throw new Error(`expected "${text}" to be invalid, got ${JSON.stringify(parsed)}`);
  return parsed.problem;
}

describe('parseWorkitemsCommand', () => {
  describe('requesting access', () => {
    it.each([
      ['request', { kind: 'request' }],
      ['REQUEST   ', { kind: 'request' }],
      ['request aws prod admin', { kind: 'request', term: 'aws prod admin' }],
      // The search text is only searched for: a mention-like or id-like word is text too.
      ['request <@U123ABC> 2c9180835d2e5168015d32f890ca1581', { kind: 'request', term: '<@U123ABC> 2c9180835d2e5168015d32f890ca1581' }],
      ['requests', { kind: 'requests' }],
    ] as const)('%j → %j', (text, expected) => {
      expect(parseWorkitemsCommand(text)).toEqual(expected);
    });

    it('`requests` takes nothing after it', () => {
      expect(problemOf('requests mine')).toBe('`requests` takes nothing after it.');
    });
  });

  describe('list subcommands', () => {
    it.each(['', '   ', '\t\n', 'pending', 'list'])('%j lists pending items of the caller', (text) => {
      const parsed = parseWorkitemsCommand(text);
      expect(parsed).toEqual({ kind: 'pending' });
      expect(parsed).toHaveProperty('subject', undefined);
    });

    it.each([
      ['completed', 'completed'],
      ['summary', 'summary'],
    ] as const)('%j → kind %s with no subject', (text, kind) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind, subject: undefined });
    });

    it.each([
      ['PENDING', 'pending'],
      ['List', 'pending'],
      ['CoMpLeTeD', 'completed'],
      ['SUMMARY', 'summary'],
    ] as const)('is case-insensitive: %j → %s', (text, kind) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind, subject: undefined });
    });

    it('ignores leading, trailing and repeated whitespace (spaces, tabs, newlines)', () => {
      expect(parseWorkitemsCommand('   completed  ')).toEqual({ kind: 'completed' });
      expect(parseWorkitemsCommand('\tsummary\n')).toEqual({ kind: 'summary' });
      expect(parseWorkitemsCommand('  <@U123ABC>\t\t  completed \n')).toEqual({ kind: 'completed', subject: 'U123ABC' });
    });
  });

  describe('audit (admins; the listener checks)', () => {
    it.each([
      ['audit', { kind: 'audit' }],
      ['AUDIT 90', { kind: 'audit', days: 90 }],
      ['  audit   7 ', { kind: 'audit', days: 7 }],
    ] as const)('%j', (text, parsed) => {
      expect(parseWorkitemsCommand(text)).toEqual(parsed);
    });

    it.each(['audit 0', 'audit -3', 'audit 2.5', 'audit 30d', 'audit 7 days', 'audit 123456'])('%j is refused with the usage', (text) => {
      expect(problemOf(text)).toBe('`audit` takes a number of days, e.g. `/workitems audit 90`.');
    });

    it('takes no @user', () => {
      expect(problemOf('audit <@U123ABC>')).toBe('`audit` takes no @user.');
    });
  });

  describe('help', () => {
    it.each(['help', '?', 'HELP', 'Help', '  help  '])('%j → help', (text) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind: 'help' });
    });

    it.each(['help <@U123ABC>', '<@U123ABC> help', '? <@U123ABC|alice>'])('%j: help refuses an @user', (text) => {
      expect(problemOf(text)).toBe('`help` takes no @user.');
    });

    it('help @user (a plain @name) is refused because the mention is unreadable', () => {
      expect(problemOf('help @alice')).toBe('"@alice" is not a Slack mention the bot can read; pick the person from the @ autocomplete list.');
    });
  });

  describe('account linking', () => {
    it.each([
      ['connect', 'connect'],
      ['CONNECT', 'connect'],
      [' disconnect ', 'disconnect'],
    ] as const)('%j → %s', (text, kind) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind });
    });

    it('takes no @user and no extra words', () => {
      expect(problemOf('connect <@U123ABC>')).toBe('`connect` takes no @user.');
      expect(problemOf('disconnect now')).toBe('Too many words: "disconnect now".');
    });
  });

  describe('work item ids', () => {
    it('a 32-hex id → detail with the id', () => {
      expect(parseWorkitemsCommand(HEX_ID)).toEqual({ kind: 'detail', id: HEX_ID, subject: undefined });
    });

    it('an upper-case 32-hex id is accepted and lower-cased', () => {
      expect(parseWorkitemsCommand(HEX_ID.toUpperCase())).toEqual({ kind: 'detail', id: HEX_ID });
    });

    it('a dashed UUID → detail (lower-cased, dashes kept)', () => {
      expect(parseWorkitemsCommand(UUID)).toEqual({ kind: 'detail', id: UUID });
      expect(parseWorkitemsCommand(`  ${UUID.toUpperCase()} `)).toEqual({ kind: 'detail', id: UUID });
    });

    it('an id with a mention before or after → detail with subject', () => {
      expect(parseWorkitemsCommand(`${HEX_ID} <@U0AB12CD>`)).toEqual({ kind: 'detail', id: HEX_ID, subject: 'U0AB12CD' });
      expect(parseWorkitemsCommand(`<@U0AB12CD|bob> ${UUID}`)).toEqual({ kind: 'detail', id: UUID, subject: 'U0AB12CD' });
    });

    it.each([
      ['31 hex characters', HEX_ID.slice(0, 31)],
      ['33 hex characters', `${HEX_ID}0`],
      ['dashes in the wrong places', '2c9180835d2e-5168-015d-32f8-90ca1581'],
      ['a UUID missing a group', '2c918083-5d2e-5168-32f890ca1581'],
      ['8 hex characters', 'deadbeef'],
      ['only dashes', '--------'],
    ])('an id-like but malformed value (%s) is an invalid id', (_label, word) => {
      expect(problemOf(word)).toBe(`"${word}" is not a valid id of a work item or approval (ISC ids are 32 hexadecimal characters, or a UUID).`);
    });

    it('a 32-character value with a non-hex character is an unknown subcommand, not an id', () => {
      const word = `${HEX_ID.slice(0, 31)}g`;
      expect(problemOf(word)).toBe(`Unknown subcommand "${word}".`);
    });

    it('a short hex word (under 8 characters) is an unknown subcommand', () => {
      expect(problemOf('abc123')).toBe('Unknown subcommand "abc123".');
    });
  });

  describe('mentions', () => {
    it.each([
      ['<@U123ABC>', 'U123ABC'],
      ['<@U123ABC|alice>', 'U123ABC'],
      ['<@W0ENTERPRISE1|alice.smith>', 'W0ENTERPRISE1'],
      ['<@U123ABC|>', 'U123ABC'],
    ])('a lone mention %j → pending for that user', (text, subject) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind: 'pending', subject });
    });

    it.each([
      ['<@U123ABC|alice> completed', 'completed'],
      ['completed <@U123ABC|alice>', 'completed'],
      ['summary <@U123ABC>', 'summary'],
      ['<@U123ABC> summary', 'summary'],
      ['list <@U123ABC>', 'pending'],
      ['<@U123ABC> PENDING', 'pending'],
    ] as const)('the mention may come before or after the subcommand: %j', (text, kind) => {
      expect(parseWorkitemsCommand(text)).toEqual({ kind, subject: 'U123ABC' });
    });

    it('keeps the subject id exactly as Slack sent it (upper case)', () => {
      const parsed: WorkitemsCommand = parseWorkitemsCommand('<@U0123ABCD|Zoë> completed');
      expect(parsed.kind).toBe('completed');
      expect('subject' in parsed && parsed.subject).toBe('U0123ABCD');
    });

    it.each(['<@U1AAA> <@U2BBB>', '<@U1AAA|a> completed <@U2BBB|b>', 'summary <@U1AAA> <@U1AAA>', `<@U1AAA> ${HEX_ID} <@U2BBB>`])(
      'two mentions (%j) are refused',
      (text) => {
        expect(problemOf(text)).toBe('Name one person at most.');
      },
    );

    it.each(['@alice', 'completed @alice', '@alice completed', '<@U1AAA> @bob'])('a plain @name (%j) is refused', (text) => {
      expect(problemOf(text)).toMatch(/^"@(alice|bob)" is not a Slack mention the bot can read; pick the person from the @ autocomplete list\.$/);
    });

    it('quotes the exact plain @word in the problem', () => {
      expect(problemOf('summary @Alice.Smith')).toContain('"@Alice.Smith"');
    });

    it.each(['<@u123abc>', '<@X123ABC>', '<@U123ABC', '<!channel>', '<#C123ABC|general>'])(
      '%j is not a user mention and is treated as an unknown word',
      (word) => {
        expect(problemOf(word)).toBe(`Unknown subcommand "${word}".`);
      },
    );
  });

  describe('unknown and extra words', () => {
    it.each(['approve', 'pendings', 'completd', 'helpme', 'sumary'])('an unknown word %j is refused by name', (word) => {
      expect(problemOf(word)).toBe(`Unknown subcommand "${word}".`);
    });

    it('keeps the original spelling of an unknown word in the problem', () => {
      expect(problemOf('Approve')).toBe('Unknown subcommand "Approve".');
    });

    it.each([
      ['pending completed', 'pending completed'],
      ['completed  extra   words', 'completed extra words'],
      ['help me', 'help me'],
      [`${HEX_ID} ${HEX_ID}`, `${HEX_ID} ${HEX_ID}`],
      ['summary <@U1AAA> please', 'summary please'],
    ])('too many words (%j) are refused, naming the words without the mention', (text, words) => {
      expect(problemOf(text)).toBe(`Too many words: "${words}".`);
    });

    it('checks for two mentions before counting words', () => {
      expect(problemOf('a b c <@U1AAA> <@U2BBB>')).toBe('Name one person at most.');
    });
  });
});
