const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A Prometheus duration (`30s`, `1m30s`, `2y`) in milliseconds. */
export function durationMs(d: string): number {
  return [...d.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS[unit],
    0,
  );
}

/** A size as Thanos' store reads it (`512MB`, base 2: units.ParseBase2Bytes), in bytes. */
export function thanosSizeBytes(size: string): number {
  const m = /^([0-9]+)(KB|MB|GB)$/.exec(size);
  if (!m) return NaN;
  return Number(m[1]) * { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] as 'KB' | 'MB' | 'GB'];
}
