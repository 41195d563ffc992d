/**
 * Defaults of the central Grafana and its alerting: the one place of each value. CentralGrafana and the alerting
 * provisioning use them, the inventory schema's descriptions (and so cmm.schema.json) interpolate them, and
 * test/defaults.test.ts holds the props' JSDoc `@default` to the schema.
 */
export const GRAFANA_DEFAULTS = {
  adminSecret: 'grafana-admin',
  /** The Secret of the Grafana user Karma silences Grafana's alerts with. */
  karmaCredentialsSecret: 'karma-grafana-credentials',
  persistenceSize: '10Gi',
  /** The keys of a cluster datasource's basic-auth Secret. */
  datasourceBasicAuth: { usernameKey: 'username', passwordKey: 'password' },
  alerting: {
    webhookKey: 'url',
    clusterDownFor: '5m',
    smtp: { fromName: 'Grafana', userKey: 'user', passwordKey: 'password', startTLSPolicy: 'MandatoryStartTLS' },
  },
  logAlerts: { for: '5m', severity: 'warning' },
} as const;
