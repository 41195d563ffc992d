/**
 * The defaults of the ArgoCD Applications (`argocd:`): the one place of each value. ArgoCdApplications uses them, the
 * inventory schema's descriptions (and so cmm.schema.json) interpolate them, and test/defaults.test.ts holds the
 * props' JSDoc `@default` to the schema.
 */
export const ARGOCD_DEFAULTS = {
  targetRevision: 'HEAD',
  path: 'dist',
  project: 'default',
  namespace: 'argocd',
  automated: true,
  /** The folder of dist/ the Applications and the per-cluster overlays are written to. */
  folder: 'argocd',
} as const;
