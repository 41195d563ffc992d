/**
 * Where pods run: node pools with their taints, and the scheduling settings every workload CMM places shares
 * (`nodePool`, `nodeSelector`, `tolerations`, `affinity`). One neutral module, used by the agent, the logs and the
 * central parts alike.
 */
import { invalid } from './inventory/errors';

/** A node taint, as `kubectl taint` sets it. */
export interface Taint {
  readonly key: string;
  /** @default - none */
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A pod toleration. */
export interface Toleration {
  /** The taint's key. @default - none: with operator `Exists`, every key */
  readonly key?: string;
  /** @default 'Equal' */
  readonly operator?: 'Equal' | 'Exists';
  /** The taint's value. @default - none: the empty value (with operator `Exists`, any value) */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A group of nodes of a cluster: the labels that select them and the taints they carry. */
export interface NodePoolOptions {
  /** Labels every node of the pool has, e.g. `{ 'kr-mum/noderole': 'kafka' }`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Taints every node of the pool carries. @default - none */
  readonly taints?: readonly Taint[];
}

/** Where a workload's pods run. */
export interface SchedulingOptions {
  /**
   * A node pool of the cluster (`nodePools`): the pods get its labels as nodeSelector and tolerate its taints.
   * @default - any node
   */
  readonly nodePool?: string;
  /** Node labels the pods must run on (added to the pool's). @default - none */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Tolerations (added to the pool's). @default - none */
  readonly tolerations?: readonly Toleration[];
  /** A Kubernetes affinity (`nodeAffinity`, `podAntiAffinity`, ...), passed as written. @default - none */
  readonly affinity?: Readonly<Record<string, unknown>>;
}

/** What a chart takes: nodeSelector, tolerations, affinity (each only when set). */
export interface PodScheduling {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Record<string, unknown>;
}

/** A toleration of exactly this taint. */
export function tolerationOf(taint: Taint): Toleration {
  return taint.value === undefined
    ? { key: taint.key, operator: 'Exists', effect: taint.effect }
    : { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
}

/**
 * The scheduling of a workload: its pool's labels and explicit `nodeSelector`, its pool's taints tolerated and its
 * explicit `tolerations`, its `affinity`. Throws if `nodePool` names no pool of `pools` (validation reports it
 * first, with the field path), naming `at`: the construct (`Karma`) and where its options are (`props`).
 */
export function podScheduling(
  options: SchedulingOptions | undefined,
  pools: Readonly<Record<string, NodePoolOptions>> = {},
  at: { subject: string; path: string } = { subject: 'podScheduling', path: 'options' },
): PodScheduling {
  const out: PodScheduling = {};
  if (!options) return out;
  const pool = options.nodePool === undefined ? undefined : pools[options.nodePool];
  if (options.nodePool !== undefined && pool === undefined) {
    const known = Object.keys(pools);
    throw invalid(
      at.subject,
      `${at.path}.nodePool`,
      options.nodePool,
      `a node pool of the cluster (${known.length > 0 ? known.join(', ') : 'nodePools is empty'})`,
    );
  }
  const nodeSelector = { ...(pool?.labels ?? {}), ...(options.nodeSelector ?? {}) };
  if (Object.keys(nodeSelector).length > 0) out.nodeSelector = nodeSelector;
  const tolerations = uniqueTolerations([...(pool?.taints ?? []).map(tolerationOf), ...(options.tolerations ?? [])]);
  if (tolerations.length > 0) out.tolerations = tolerations;
  if (options.affinity) out.affinity = { ...options.affinity };
  return out;
}

/**
 * Tolerations for a DaemonSet that must run on every node (node-exporter, the log agent): every pool's taints,
 * plus `extra`.
 */
export function everyNodeTolerations(
  pools: Readonly<Record<string, NodePoolOptions>> = {},
  extra: readonly Toleration[] = [],
): Toleration[] {
  return uniqueTolerations([
    ...Object.keys(pools)
      .sort()
      .flatMap((name) => (pools[name].taints ?? []).map(tolerationOf)),
    ...extra,
  ]);
}

function uniqueTolerations(list: readonly Toleration[]): Toleration[] {
  const seen = new Set<string>();
  return list
    .map((t) => ({ ...t }))
    .filter((t) => {
      const key = JSON.stringify([t.key, t.operator, t.value, t.effect]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
