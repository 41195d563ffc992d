/**
 * Defaults of a monitored cluster (its agent, Alertmanager and log agent) and of the central Grafana that are written
 * in more than one place otherwise: the one place of each value. The constructs use them, the inventory schema's
 * descriptions (and so cmm.schema.json) interpolate them, and test/defaults.test.ts holds the props' JSDoc `@default`
 * to the schema.
 */
export const AGENT_DEFAULTS = {
  /** The monitoring namespace, of a cluster's agent and of the central Grafana. */
  namespace: 'monitoring',
  platform: 'k3s',
  alertmanager: { slackKey: 'url', defaultReceiver: 'slack-warning', heartbeat: { key: 'url', interval: '1m' } },
  logs: { credentialsSecret: 'loki-push-credentials' },
} as const;
