import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { applyStage, Stage } from './output/stages';

/** What enforces basic auth in front of a Service: the ingress controller, and the htpasswd Secret it reads. */
export interface BasicAuthIngress {
  readonly controller: 'traefik' | 'nginx';
  readonly namespace: string;
  /** Name of the Traefik Middleware (`<namespace>-<name>@kubernetescrd` in the router's annotation). */
  readonly middleware: string;
  /** Existing Secret with htpasswd lines: key `users` for Traefik, `auth` for ingress-nginx. */
  readonly secretName: string;
  /** ingress-nginx's realm, shown by browsers. */
  readonly realm: string;
}

/**
 * The Ingress annotations of a basic-auth, TLS endpoint: Traefik's router with TLS and the Middleware (see
 * {@link basicAuthMiddleware}), or ingress-nginx's basic auth reading the Secret.
 */
export function basicAuthAnnotations(a: BasicAuthIngress): Record<string, string> {
  return a.controller === 'traefik'
    ? {
        'traefik.ingress.kubernetes.io/router.tls': 'true',
        // <namespace>-<name>@kubernetescrd is how Traefik names a Middleware object.
        'traefik.ingress.kubernetes.io/router.middlewares': `${a.namespace}-${a.middleware}@kubernetescrd`,
      }
    : {
        'nginx.ingress.kubernetes.io/auth-type': 'basic',
        'nginx.ingress.kubernetes.io/auth-secret': a.secretName,
        'nginx.ingress.kubernetes.io/auth-realm': a.realm,
      };
}

/**
 * Traefik's basic-auth Middleware for {@link basicAuthAnnotations}, a custom resource (its CRD comes with Traefik);
 * nothing for ingress-nginx. The `Authorization` header is removed before the request reaches the Service.
 */
export function basicAuthMiddleware(scope: Construct, id: string, a: BasicAuthIngress): ApiObject | undefined {
  if (a.controller !== 'traefik') return undefined;
  const mw = new ApiObject(scope, id, {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: { name: a.middleware, namespace: a.namespace },
    spec: { basicAuth: { secret: a.secretName, removeHeader: true } },
  });
  applyStage(mw, Stage.CUSTOM_RESOURCES);
  return mw;
}
