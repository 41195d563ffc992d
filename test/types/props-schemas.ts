/**
 * Compile-time check (`tsc -p .`, the first half of `npm test`): each construct's documented props interface (the one
 * source of its JSDoc) and the zod schema it validates them with accept the same values, field by field, nested
 * options included. A field that one has and the other lacks, a field optional in one and required in the other, or a
 * different type fails the compilation, naming the field paths or the two types. The variants of a union are compared
 * one by one, by their discriminant (a field of one literal value, `type: 'ingress'`): a field in one variant of the
 * interface and another variant of the schema fails too.
 *
 * The schemas have no defaults and no transforms, so their output type is their input type (`z.input`) narrowed by
 * the refinements that are type predicates (a rule is an alerting or a recording rule; a refused Slack `channel` is
 * `undefined`): that is what the interfaces say, so they are compared with `z.output`.
 */
import type * as z from 'zod';
import type { AGENT_PROPS, ClusterAgentProps } from '../../lib/agent/cluster-agent';
import type { GRAFANA_LOKI, GrafanaLokiOptions } from '../../lib/central/central-grafana';
import type { CENTRAL_LOKI_PROPS, CentralLokiProps } from '../../lib/logs/central-loki';
import type { LOG_AGENT_PROPS, LogAgentProps } from '../../lib/logs/log-agent';
import type { CentralThanosOptions } from '../../lib/thanos/central-thanos';
import type { CentralAlertingOptions } from '../../lib/central/alerting';
import type { AirgapOptions } from '../../lib/airgap/airgap';
import type { airgapSettings, central, centralAlerting, centralThanos } from '../../lib/inventory/schema';
import type { KarmaProps } from '../../lib/central/karma';
import type { CentralGrafanaProps } from '../../lib/central/central-grafana';
import type { SchedulingOptions } from '../../lib/scheduling';

/** Leaves: compared as wholes (a function, a primitive). */
type Leaf = string | number | boolean | bigint | symbol | null | undefined | ((...args: never[]) => unknown);

/** T without `readonly` (arrays and fields), all the way down: the interfaces are readonly, zod's types are not. */
export type Mutable<T, Depth extends unknown[] = []> = Depth['length'] extends 12
  ? T
  : T extends Leaf
    ? T
    : T extends readonly (infer E)[]
      ? Mutable<E, [...Depth, 1]>[]
      : { -readonly [K in keyof T]: Mutable<T[K], [...Depth, 1]> };

/**
 * Every field path of T (`a`, `a.b`, `a.[]`, `a.{}.c`), through unions, arrays and records. The paths of an object
 * with a field of one literal value (a union's variant: `type: 'ingress'`) start with that value (`a.(type=ingress).b`),
 * so a field that moves from one variant to another is a different path: an extra optional field of a variant is
 * assignable both ways, and without the variant in its path it would hide among the other variants' fields.
 */
type Paths<T, Depth extends unknown[] = []> = Depth['length'] extends 12
  ? never
  : T extends Leaf
    ? never
    : T extends readonly (infer E)[]
      ? '[]' | `[].${Paths<E, [...Depth, 1]>}`
      : [Variant<T>] extends [never]
        ? ObjectPaths<T, Depth>
        : `(${Variant<T>}).${ObjectPaths<T, Depth>}`;

type ObjectPaths<T, Depth extends unknown[]> = {
  [K in keyof T & string]-?: (string extends K ? '{}' : K) extends infer P extends string
    ? P | `${P}.${Paths<NonNullable<T[K]>, [...Depth, 1]>}`
    : never;
}[keyof T & string];

/** `true` when T is a union of several types. */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/** `field=value` for each field of T whose type is one string literal (an object variant's discriminant). */
type Variant<T> = {
  [K in keyof T & string]-?: string extends K
    ? never
    : NonNullable<T[K]> extends infer V extends string
      ? string extends V
        ? never
        : IsUnion<V> extends true
          ? never
          : `${K}=${V}`
      : never;
}[keyof T & string];

/** The paths only in A. */
type Missing<A, B> = Exclude<Paths<A>, Paths<B>>;

/**
 * `true` when A and B accept the same values (each assignable to the other) and have the same field paths; else an
 * object naming what differs.
 */
export type SameShape<I, S> = Same<Mutable<I>, Mutable<S>>;

type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Missing<A, B>, Missing<B, A>] extends [never, never]
      ? true
      : { onlyInInterface: Missing<A, B>; onlyInSchema: Missing<B, A> }
    : { schemaNotAssignableToInterface: B }
  : { interfaceNotAssignableToSchema: A };

/** Fails to compile unless its argument is `true`. */
function check<T extends true>(): T | undefined {
  return undefined;
}

check<SameShape<ClusterAgentProps, z.output<typeof AGENT_PROPS>>>();
check<SameShape<LogAgentProps, z.output<typeof LOG_AGENT_PROPS>>>();
check<SameShape<CentralLokiProps, z.output<typeof CENTRAL_LOKI_PROPS>>>();
check<SameShape<GrafanaLokiOptions, z.output<typeof GRAFANA_LOKI>>>();
check<SameShape<CentralThanosOptions, Omit<z.output<typeof centralThanos>, 'clusterDatasources'>>>();
check<SameShape<CentralAlertingOptions, z.output<typeof centralAlerting>>>();
check<SameShape<AirgapOptions, z.output<typeof airgapSettings>>>();

// Karma and the central Grafana take the inventory's `central.karma` and `central` fields, and what the fleet adds.
type KarmaSettings = NonNullable<z.output<typeof central>['karma']>;
check<
  SameShape<
    Omit<KarmaProps, 'namespace' | 'cluster' | 'alertmanagers' | 'nodePools' | 'images' | 'ingress'>,
    Omit<KarmaSettings, 'grafana' | 'ingress'>
  >
>();
check<SameShape<Omit<KarmaProps['ingress'], 'controller'>, Omit<KarmaSettings['ingress'], 'controller'>>>();
type GrafanaFields =
  | 'kubePrometheusStackVersion'
  | 'kubePrometheusStackRepo'
  | 'adminSecret'
  | 'persistence'
  | 'ingress'
  | 'resources'
  | 'sidecarResources'
  | 'alerting';
check<SameShape<Pick<CentralGrafanaProps, GrafanaFields>, Pick<z.output<typeof central>, GrafanaFields>>>();
check<
  SameShape<SchedulingOptions, Pick<z.output<typeof central>, 'nodePool' | 'nodeSelector' | 'tolerations' | 'affinity'>>
>();
