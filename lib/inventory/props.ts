import * as z from 'zod';
import type { ChartArchiveReader } from '../airgap/airgap';
import { clusterConfigShape, url } from './schema';

/**
 * Constructs validate their props with the inventory's schema pieces, so a TypeScript user's mistake reads like an
 * inventory's. Props that `Fleet` built from a validated inventory are marked, and not validated a second time.
 */
const prevalidated = new WeakSet<object>();

/**
 * Marks props that were built from a validated inventory, so the construct does not validate them a second time.
 * Internal to the library (`Fleet`, and a construct handing its validated props on); TypeScript users' props are
 * always validated.
 */
export function markPrevalidated<T extends object>(props: T): T {
  prevalidated.add(props);
  return props;
}

/** Whether `props` were marked by {@link markPrevalidated}. */
export function isPrevalidated(props: object): boolean {
  return prevalidated.has(props);
}

/** The archives of `--charts DIR`: a function from a file name to its bytes. */
export const chartArchiveProp = z
  .custom<ChartArchiveReader>((v) => typeof v === 'function', { error: 'a function (file) => archive bytes' })
  .optional();

/** A Kubernetes namespace (a DNS label), required. */
export const namespaceProp = clusterConfigShape.shape.namespace.unwrap();

/** Where a cluster's logs go: the central Loki's push endpoint (`LokiEndpoint`). */
export const lokiEndpoint = z.strictObject({
  pushUrl: url('the push credentials come from logs.credentialsSecret'),
  tenantId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,150}$/, { error: 'a Loki tenant id: letters, digits, "_", "." and "-"' })
    .optional(),
});
