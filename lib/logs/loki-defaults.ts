/**
 * The defaults of the central Loki (`central.loki`): the one place of each value. The Loki values use them, the
 * inventory schema's descriptions (and so cmm.schema.json) interpolate them, and test/defaults.test.ts holds the
 * props' JSDoc `@default` to the schema.
 */
export const LOKI_DEFAULTS = {
  mode: 'monolithic',
  retention: '30d',
  /** The monolithic mode's PVC size. */
  storageSize: '50Gi',
  gatewayAuthSecret: 'loki-gateway-htpasswd',
  grafanaCredentialsSecret: 'loki-grafana-credentials',
  objectStorage: { region: 'us-east-1', forcePathStyle: true },
  caches: { chunksMB: 512, resultsMB: 128 },
} as const;
