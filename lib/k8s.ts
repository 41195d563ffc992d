/**
 * Kubernetes core objects (Namespace, ConfigMap) typed by cdk8s-plus-27's generated `k8s` imports (`cdk8s import
 * k8s` needs the network). Only the types are imported: the generated module is 430 KB of JavaScript that the
 * synth would otherwise load and compile at every start, for two kinds whose JSON needs no conversion.
 */
import { ApiObject } from 'cdk8s';
import type { KubeConfigMapProps, KubeNamespaceProps } from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { applyStage, Stage } from './output/stages';

/**
 * The Namespace a CMM component runs in, with its Pod Security labels (lib/pod-security.ts): created in the setup
 * stage (ArgoCD wave -1).
 */
export function monitoringNamespace(
  scope: Construct,
  name: string,
  labels: Readonly<Record<string, string>> = {},
  id = 'Namespace',
): KubeNamespace {
  const ns = new KubeNamespace(scope, id, {
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cmm', ...labels } },
  });
  applyStage(ns, Stage.SETUP);
  return ns;
}

/** A `v1/Namespace`. */
export class KubeNamespace extends ApiObject {
  constructor(scope: Construct, id: string, props: KubeNamespaceProps = {}) {
    super(scope, id, { apiVersion: 'v1', kind: 'Namespace', ...props });
  }
}

/** A `v1/ConfigMap`. */
export class KubeConfigMap extends ApiObject {
  constructor(scope: Construct, id: string, props: KubeConfigMapProps = {}) {
    super(scope, id, { apiVersion: 'v1', kind: 'ConfigMap', ...props });
  }
}

/**
 * A `policy/v1` PodDisruptionBudget for a workload of more than one replica: a drain or a node upgrade evicts one
 * of its pods at a time (`maxUnavailable: 1`, which, unlike `minAvailable`, still lets a drain through when the
 * workload is scaled down to one). `selector` must be the workload's own pod selector.
 */
export function disruptionBudget(
  scope: Construct,
  name: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): ApiObject {
  const pdb = new ApiObject(scope, `Pdb-${name}`, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace, labels: { ...labels } },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...selector } } },
  });
  applyStage(pdb, Stage.SETUP);
  return pdb;
}
