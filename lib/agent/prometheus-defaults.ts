/**
 * The defaults of a cluster's Prometheus (`prometheus:`): the one place of each value. The agent's values use them,
 * the inventory schema's descriptions (and so cmm.schema.json) interpolate them, and test/defaults.test.ts holds the
 * props' JSDoc `@default` to the schema.
 */
export const PROMETHEUS_DEFAULTS = {
  retention: '10d',
  scrapeInterval: '30s',
  evaluationInterval: '30s',
} as const;
