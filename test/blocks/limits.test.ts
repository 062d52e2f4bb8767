import type { KnownBlock } from '@slack/types';
import { LIMITS, button, contextBlock, divider, fitBlocks, section, validateBlocks, validateMessage, validateView } from '../../src/blocks/limits';

describe('validateBlocks', () => {
  it('accepts valid blocks', () => {
    expect(validateBlocks([section('hi', 'a'), divider(), contextBlock('c', 'b')], 3)).toEqual([]);
  });

  it('finds every kind of violation', () => {
    const long = (n: number) => 'x'.repeat(n);
    const blocks = [
      { type: 'section', block_id: 'dup', text: { type: 'mrkdwn', text: long(3001) } },
      { type: 'section', block_id: 'dup', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: long(2001) })) },
      { type: 'section', block_id: long(256) },
      { type: 'header', text: { type: 'plain_text', text: long(151) } },
      { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'a', text: { type: 'plain_text', text: long(76) }, value: long(2001), url: long(3001) },
          {
            type: 'button',
            action_id: 'a',
            text: { type: 'plain_text', text: '' },
            confirm: { title: { type: 'plain_text', text: long(101) }, text: { type: 'plain_text', text: long(301) }, confirm: { type: 'plain_text', text: long(31) } },
          },
          ...Array.from({ length: 24 }, (_, i) => ({ type: 'button', action_id: `b${i}`, text: { type: 'plain_text', text: 'b' } })),
        ],
      },
      {
        type: 'input',
        label: { type: 'plain_text', text: 'l' },
        element: {
          type: 'static_select',
          action_id: long(256),
          options: Array.from({ length: 101 }, () => ({ text: { type: 'plain_text', text: long(76) }, value: long(151) })),
        },
      },
    ] as unknown as KnownBlock[];
    const v = validateBlocks(blocks, 5).join('\n');
    for (const expected of [
      'blocks: 7 items > 5',
      'blocks[0].text: 3001 characters > 3000',
      'blocks[1].block_id: duplicate "dup"',
      'blocks[1].fields: 11 items > 10',
      'blocks[1].fields[0]: 2001 characters > 2000',
      'blocks[2].block_id: 256 characters > 255',
      'blocks[2]: needs text or fields',
      'blocks[3].text: 151 characters > 150',
      'blocks[4].elements: 11 items > 10',
      'blocks[5].elements: 26 items > 25',
      'blocks[5].elements[0].text: 76 characters > 75',
      'blocks[5].elements[0].value: 2001 characters > 2000',
      'blocks[5].elements[0].url: 3001 characters > 3000',
      'blocks[5].elements[1].text: empty',
      'blocks[5].elements[1].confirm.title: 101 characters > 100',
      'blocks[5].elements[1].confirm.text: 301 characters > 300',
      'blocks[5].elements[1].confirm.confirm: 31 characters > 30',
      'blocks[5]: duplicate action_id in one block',
      'blocks[6].element.action_id: 256 characters > 255',
      'blocks[6].element.options: 101 items > 100',
      'blocks[6].element.options[0].text: 76 characters > 75',
      'blocks[6].element.options[0].value: 151 characters > 150',
    ]) {
      expect(v).toContain(expected);
    }
  });

  it('validateMessage requires a text and bounds the total size', () => {
    const big = Array.from({ length: 10 }, (_, i) => section('x'.repeat(2000), `b${i}`));
    expect(validateMessage({ text: ' ', blocks: big })).toEqual(['text: empty', expect.stringMatching(/JSON characters > 12000/)]);
  });

  it('validateView checks titles and private_metadata', () => {
    const v = validateView({
      type: 'modal',
      title: { type: 'plain_text', text: 'x'.repeat(25) },
      submit: { type: 'plain_text', text: 'x'.repeat(25) },
      private_metadata: 'x'.repeat(3001),
      blocks: [],
    });
    expect(v).toEqual(['title: 25 characters > 24', 'submit: 25 characters > 24', 'private_metadata: 3001 characters > 3000']);
  });
});

describe('constructors clamp to limits', () => {
  it('section, button and confirm texts', () => {
    const blocks: KnownBlock[] = [
      section('y'.repeat(5000)),
      { type: 'actions', elements: [button({ actionId: 'a', text: 'z'.repeat(100), confirm: { title: 't'.repeat(200), text: 'u'.repeat(500), confirm: 'c'.repeat(40) } })] },
    ];
    expect(validateBlocks(blocks, LIMITS.messageBlocks)).toEqual([]);
  });

  it('a button value that does not fit is a bug, not something to cut', () => {
    expect(() => button({ actionId: 'a', text: 'a', value: 'v'.repeat(2001) })).toThrow(RangeError);
  });
});

describe('fitBlocks', () => {
  const card = (i: number): KnownBlock[] => [section(`card ${i}`, `c${i}`), section(`body ${i}`, `d${i}`), divider()];

  it('keeps everything that fits', () => {
    expect(fitBlocks([card(1), card(2)], { blocks: 6, chars: Infinity }, (n) => `${n} more`)).toEqual({ blocks: [...card(1), ...card(2)], shown: 2 });
  });

  it('never cuts a card in half and says how many are left', () => {
    const { blocks, shown } = fitBlocks([card(1), card(2), card(3)], { blocks: 8, chars: Infinity }, (n) => `… and ${n} more`);
    expect(shown).toBe(2);
    expect(blocks).toEqual([...card(1), ...card(2), contextBlock('… and 1 more')]);
  });

  it('respects a character budget', () => {
    const { blocks, shown } = fitBlocks([card(1), card(2), card(3)], { blocks: 50, chars: 400 }, (n) => `… and ${n} more`);
    expect(shown).toBeLessThan(3);
    expect(JSON.stringify(blocks).length).toBeLessThanOrEqual(400);
  });
});
