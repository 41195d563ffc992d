/**
 * Kubernetes core objects (Namespace, ConfigMap) typed by cdk8s-plus-27's generated `k8s` imports (`cdk8s import
 * k8s` needs the network). Only the types are imported: the generated module is 430 KB of JavaScript that the
 * synth would otherwise load and compile at every start, for two kinds whose JSON needs no conversion.
 */
import { ApiObject } from 'cdk8s';
import type { KubeConfigMapProps, KubeNamespaceProps } from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { applyStage, Stage } from './output/stages';

/** The Namespace a CMM component runs in: created in the setup stage (ArgoCD wave -1). */
export function monitoringNamespace(scope: Construct, name: string): KubeNamespace {
  const ns = new KubeNamespace(scope, 'Namespace', {
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cmm' } },
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
