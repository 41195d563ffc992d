import { Construct } from 'constructs';

/**
 * A file of the output that is not a Kubernetes object (an ArgoCD ConfigMap patch, a README): written as
 * `<chart>/<path>` by renderApp, byte for byte.
 */
export class OutputFile extends Construct {
  constructor(
    scope: Construct,
    id: string,
    /** The path inside the chart's folder. */
    public readonly path: string,
    /** The file's content. */
    public readonly content: string,
  ) {
    super(scope, id);
  }
}
