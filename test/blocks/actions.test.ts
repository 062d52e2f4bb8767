import { decodeItemValue, encodeValue, isValidId } from '../../src/blocks/actions';

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
});
