/**
 * Just enough of a Kubernetes API server (on loopback, plain HTTP) for `kubectl wait` on Jobs: discovery of
 * batch/v1 jobs, GET of one Job, its list by name, and a watch that stays open. The tests run the real kubectl against
 * it to see what a command does with the Jobs a cluster holds.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface FakeJob {
  namespace: string;
  name: string;
  /** The Job's status conditions, e.g. `[{ type: 'Complete', status: 'True' }]`. */
  conditions: { type: string; status: string }[];
}

export interface FakeApiServer {
  /** The Jobs the server holds; change it while a client waits. */
  jobs: FakeJob[];
  /** Every Job a client asked for, as `<namespace>/<name>`. */
  asked: Set<string>;
  /** A kubeconfig file for this server. */
  kubeconfig: string;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

function jobObject(j: FakeJob) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: j.name, namespace: j.namespace, resourceVersion: '1', uid: `uid-${j.namespace}-${j.name}` },
    spec: {},
    status: { conditions: j.conditions },
  };
}

/** Starts the server; `dir` receives the kubeconfig. */
export async function startFakeApiServer(dir: string): Promise<FakeApiServer> {
  const state = { jobs: [] as FakeJob[], asked: new Set<string>() };
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    if (p === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/apis') {
      const v = { groupVersion: 'batch/v1', version: 'v1' };
      return json(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [{ name: 'batch', versions: [v], preferredVersion: v }],
      });
    }
    if (p === '/api/v1') return json(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    if (p === '/apis/batch/v1') {
      return json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'batch/v1',
        resources: [
          {
            name: 'jobs',
            singularName: 'job',
            namespaced: true,
            kind: 'Job',
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          },
        ],
      });
    }
    const m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(p);
    if (m) {
      const ns = m[1];
      const byField = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
      const name = m[2] ?? byField?.[1];
      if (name) state.asked.add(`${ns}/${name}`);
      const found = state.jobs.filter((j) => j.namespace === ns && (name === undefined || j.name === name));
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        if (url.searchParams.get('sendInitialEvents') === 'true') {
          // A watch-list (kubectl 1.32 and later): the current objects, then the bookmark that ends them.
          for (const j of found) res.write(JSON.stringify({ type: 'ADDED', object: jobObject(j) }) + '\n');
          const end = { resourceVersion: '1', annotations: { 'k8s.io/initial-events-end': 'true' } };
          res.write(
            JSON.stringify({ type: 'BOOKMARK', object: { apiVersion: 'batch/v1', kind: 'Job', metadata: end } }) + '\n',
          );
        }
        // Then no events: the watch stays open until the client gives up.
        res.flushHeaders();
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if (m[2]) {
        return found.length
          ? json(res, 200, jobObject(found[0]))
          : json(res, 404, {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'NotFound',
              code: 404,
              message: `jobs.batch "${name}" not found`,
              details: { name, group: 'batch', kind: 'jobs' },
            });
      }
      return json(res, 200, {
        apiVersion: 'batch/v1',
        kind: 'JobList',
        metadata: { resourceVersion: '1' },
        items: found.map(jobObject),
      });
    }
    json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: fake, cluster: { server: "http://127.0.0.1:' + port + '" } }]',
      'contexts: [{ name: fake, context: { cluster: fake, user: fake } }]',
      'users: [{ name: fake, user: {} }]',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    get jobs() {
      return state.jobs;
    },
    set jobs(j: FakeJob[]) {
      state.jobs = j;
    },
    asked: state.asked,
    kubeconfig,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
