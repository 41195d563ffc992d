/**
 * The defaults of the central Thanos (`central.thanos`): the one place of each value. CentralThanos uses them, the
 * inventory schema's descriptions (and so cmm.schema.json) interpolate them, and test/defaults.test.ts holds the
 * props' JSDoc `@default` to the schema.
 */
export const THANOS_DEFAULTS = {
  objectStorageKey: 'objstore.yml',
  grpcClientTlsSecret: 'thanos-grpc-client',
  /** A sidecar cluster's Secrets: the sidecar's server certificate (loadBalancer), the CA of the centre's client certificate (ingress). */
  sidecarTlsSecret: 'thanos-sidecar-tls',
  clientCaSecret: 'thanos-client-ca',
  query: { replicas: 2 },
  queryFrontend: { replicas: 2, cacheSize: '512MB' },
  store: { replicas: 1, indexCacheSize: '1GB', storageSize: '20Gi' },
  compactor: { retention: { raw: '30d', fiveMinutes: '90d', oneHour: '1y' }, downsampling: true, storageSize: '100Gi' },
  receive: { replicas: 1, replicationFactor: 1, retention: '1d', storageSize: '50Gi' },
} as const;
