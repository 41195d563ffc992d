/** Prometheus durations and Thanos sizes as CMM compares them (retention against block ranges, cache sizes). */
import { durationMs, thanosSizeBytes } from '../lib/inventory/duration';

describe('durationMs', () => {
  test.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['2h', 7_200_000],
    ['10d', 864_000_000],
    ['2w', 1_209_600_000],
    ['1y', 31_536_000_000],
    ['1d12h', 129_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});

describe('thanosSizeBytes (base 2, as units.ParseBase2Bytes)', () => {
  test.each([
    ['512KB', 524_288],
    ['512MB', 536_870_912],
    ['2GB', 2_147_483_648],
  ])('%s is %d bytes', (text, bytes) => {
    expect(thanosSizeBytes(text)).toBe(bytes);
  });

  test.each(['x512MB', '512MBx', '512 MB', '512mb', '512TB', 'MB', ''])('%j is not a size', (text) => {
    expect(thanosSizeBytes(text)).toBeNaN();
  });
});
