import { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsScheme,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsScheme,
  ServiceMonitorSpecEndpointsTargetPort,
} from '../../imports/monitoring.coreos.com';
import type { MonitorOptions } from './props';

export type MonitorKind = 'ServiceMonitor' | 'PodMonitor';

/** Builds a ServiceMonitor or PodMonitor from a validated name and options. */
export function buildMonitor(
  scope: Construct,
  kind: MonitorKind,
  name: string,
  namespace: string,
  options: MonitorOptions,
): ServiceMonitor | PodMonitor {
  const metadata = { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cmm' } };
  const namespaceSelector = { matchNames: [...(options.namespaces ?? [namespace])].sort() };
  const selector = { matchLabels: { ...options.selector } };
  const common = { path: options.path ?? '/metrics', interval: options.interval };
  if (kind === 'ServiceMonitor') {
    return new ServiceMonitor(scope, `ServiceMonitor-${name}`, {
      metadata,
      spec: {
        selector,
        namespaceSelector,
        endpoints: [
          {
            ...(typeof options.port === 'number'
              ? { targetPort: ServiceMonitorSpecEndpointsTargetPort.fromNumber(options.port) }
              : { port: options.port }),
            ...common,
            scheme:
              options.scheme === 'https'
                ? ServiceMonitorSpecEndpointsScheme.HTTPS
                : ServiceMonitorSpecEndpointsScheme.HTTP,
          },
        ],
      },
    });
  }
  return new PodMonitor(scope, `PodMonitor-${name}`, {
    metadata,
    spec: {
      selector,
      namespaceSelector,
      podMetricsEndpoints: [
        {
          ...(typeof options.port === 'number' ? { portNumber: options.port } : { port: options.port }),
          ...common,
          scheme:
            options.scheme === 'https'
              ? PodMonitorSpecPodMetricsEndpointsScheme.HTTPS
              : PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
        },
      ],
    },
  });
}
