import { compareStrings } from '../lib/compare';

describe('compareStrings', () => {
  test('orders by UTF-16 code units, not by locale, as sort() without a comparator does', () => {
    const words = ['b', 'a', 'B', 'é', 'z', 'A10', 'A9', 'a'];
    expect([...words].sort(compareStrings)).toEqual(['A10', 'A9', 'B', 'a', 'a', 'b', 'z', 'é']);
    expect(compareStrings('a', 'a')).toBe(0);
    expect(compareStrings('a', 'b')).toBe(-1);
    expect(compareStrings('b', 'a')).toBe(1);
  });
});
