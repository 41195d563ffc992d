import type { StorageOptions } from './props';

/** A `storageSpec.volumeClaimTemplate` (Prometheus, Alertmanager) for a claim of this size and class. */
export function volumeClaimTemplate(storage: StorageOptions): Record<string, unknown> {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
        resources: { requests: { storage: storage.size } },
      },
    },
  };
}
