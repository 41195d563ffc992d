import { Construct } from 'constructs';

/** A file of the output: where it goes in its chart's folder, and what it holds. */
export interface OutputFileProps {
  /** The path inside the chart's folder (`<chart>/<path>`). */
  readonly path: string;
  /** The file's content, written byte for byte. */
  readonly content: string;
}

/**
 * A file of the output that is not a Kubernetes object (an ArgoCD ConfigMap patch, a README): written as
 * `<chart>/<path>` by renderApp, byte for byte.
 */
export class OutputFile extends Construct {
  /** The path inside the chart's folder. */
  public readonly path: string;
  /** The file's content. */
  public readonly content: string;

  constructor(scope: Construct, id: string, props: OutputFileProps) {
    super(scope, id);
    this.path = props.path;
    this.content = props.content;
  }
}
