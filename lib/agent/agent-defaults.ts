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
  alertmanager: {
    slackKey: 'url',
    defaultReceiver: 'slack-warning',
    heartbeat: { key: 'url', interval: '1m' },
    /** The top route's grouping and timing, which a route without its own inherits. */
    route: { groupBy: ['alertname', 'cluster'], groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
    /** A receiver also notifies when the alert resolves. */
    sendResolved: true,
  },
  logs: { credentialsSecret: 'loki-push-credentials' },
} as const;
