import { decodeApprovalValue, decodeItemValue, encodeValue, isValidId } from '../../src/blocks/actions';

describe('additions to the actions contract', () => {
  it('isValidId accepts ISC ids and nothing that could not travel in a value', () => {
    expect(isValidId('2c9180835d2e5168015d32f890ca1581')).toBe(true);
    expect(isValidId('bad id')).toBe(false);
    expect(isValidId('x'.repeat(129))).toBe(false);
    expect(isValidId(undefined)).toBe(false);
  });

  it('decodeItemValue keeps a valid list context and refuses a bad one', () => {
    expect(decodeItemValue(encodeValue({ w: 'w1', k: 'completed', o: 5 }))).toEqual({ w: 'w1', list: { kind: 'completed', offset: 5 } });
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'pending' }))).toEqual({ w: 'w1', list: { kind: 'pending', offset: 0 } });
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'pending', o: 3, s: 'a' }))).toEqual({ w: 'w1', list: { kind: 'pending', offset: 3, section: 'accessRequest' } });
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'completed', o: 3, s: 'a' }))).toBeUndefined();
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'pending', o: 3, s: 'x' }))).toBeUndefined();
    expect(decodeItemValue(JSON.stringify({ w: 'w1', s: 'g' }))).toBeUndefined();
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'other', o: 1 }))).toBeUndefined();
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'pending', o: -1 }))).toBeUndefined();
    expect(decodeItemValue(JSON.stringify({ w: 'w1', k: 'pending', o: 1.5 }))).toBeUndefined();
  });

  it('card values are compact (no JSON to escape again in the message), decode to the same, and old JSON values still work', () => {
    const value = encodeValue({ w: '2c9180835d2e5168015d32f890ca1581', a: 'ai-1', u: 'U0SUBJECT', k: 'pending', o: 20 });
    expect(value).toBe('w=2c9180835d2e5168015d32f890ca1581&a=ai-1&u=U0SUBJECT&k=p&o=20');
    // Inside the message's JSON it costs its own length: nothing to escape.
    expect(JSON.stringify(value).length).toBe(value.length + 2);
    expect(decodeItemValue(value)).toEqual({ w: '2c9180835d2e5168015d32f890ca1581', a: 'ai-1', u: 'U0SUBJECT', list: { kind: 'pending', offset: 20 } });
    expect(decodeApprovalValue(encodeValue({ i: 'ap-1', k: 'pending' }))).toEqual({ i: 'ap-1', list: { kind: 'pending', offset: 0 } });
    expect(decodeItemValue(encodeValue({ w: 'w1', k: 'completed', o: 5 }))).toEqual({ w: 'w1', list: { kind: 'completed', offset: 5 } });
    expect(decodeApprovalValue(JSON.stringify({ i: 'ap-1', k: 'pending', o: 3 }))).toEqual({ i: 'ap-1', list: { kind: 'pending', offset: 3 } });
    // Malformed compact values are refused like malformed JSON ones.
    for (const bad of ['w=w1&w=w2', 'w=w1&x=1', 'w=w1&o=-1', 'w=w1&o=1.5', 'w=w1&k=z', 'w=bad id', '=w1', 'w', '', 'w=w1&k=c&s=a'])
      expect(decodeItemValue(bad)).toBeUndefined();
    expect(decodeApprovalValue('i=ap-1&k=c')).toBeUndefined();
  });
});
