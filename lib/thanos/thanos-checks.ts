import { durationMs, thanosSizeBytes } from '../inventory/duration';
import { THANOS_DEFAULTS } from './thanos-defaults';

/** The component settings the checks read: the inventory's `central.thanos`, or `CentralThanos`'s props. */
export interface ThanosComponentSettings {
  readonly store?: { readonly indexCacheSize?: string };
  readonly compactor?: {
    readonly downsampling?: boolean;
    readonly retention?: { readonly raw?: string; readonly fiveMinutes?: string };
  };
  readonly receive?: { readonly replicas?: number; readonly replicationFactor?: number };
}

/** A problem of the Thanos settings: where (relative to them), and the rest of the line after `<path>: `. */
export interface ThanosProblem {
  readonly path: readonly string[];
  readonly text: string;
}

/**
 * What Thanos v0.42.4 refuses at start: a Store index cache smaller than its largest item (125MiB); with downsampling,
 * raw data kept less than 40h or 5m data less than 10d (the downsampled blocks could not be made); a Receive
 * replication factor that is even or above its replicas. The inventory (`central.thanos`) and `CentralThanos`'s
 * props report them alike.
 */
export function thanosComponentProblems(t: ThanosComponentSettings): ThanosProblem[] {
  const problems: ThanosProblem[] = [];
  const indexCache = t.store?.indexCacheSize;
  if (indexCache !== undefined && thanosSizeBytes(indexCache) < 128 * 1024 ** 2) {
    problems.push({
      path: ['store', 'indexCacheSize'],
      text: `${JSON.stringify(indexCache)} is not valid; expected at least 128MB (the Store Gateway holds items of up to 125MB)`,
    });
  }
  const compactor = t.compactor;
  if (compactor?.downsampling !== false) {
    for (const [key, least, shown] of [
      ['raw', 40 * 3_600_000, '40h'],
      ['fiveMinutes', 10 * 86_400_000, '10d'],
    ] as const) {
      const value = compactor?.retention?.[key];
      if (value !== undefined && durationMs(value) > 0 && durationMs(value) < least) {
        problems.push({
          path: ['compactor', 'retention', key],
          text: `${JSON.stringify(value)} is not valid; expected at least ${shown} with downsampling (the Compactor downsamples from it), 0d to keep it for ever, or compactor.downsampling: false`,
        });
      }
    }
  }
  const rf = t.receive?.replicationFactor ?? THANOS_DEFAULTS.receive.replicationFactor;
  const replicas = t.receive?.replicas ?? THANOS_DEFAULTS.receive.replicas;
  if (rf > replicas || rf % 2 === 0) {
    problems.push({
      path: ['receive', 'replicationFactor'],
      text: `${rf} is not valid; expected an odd number of at most receive.replicas (${replicas})`,
    });
  }
  return problems;
}
