// `npm run bench`: measures the synth against the performance targets and prints a Markdown table (for the README).
//
//   node scripts/bench.mjs [--quick] [--runs N] [--big-runs N] [--no-time]
//   node scripts/bench.mjs --print-fleet N [--thanos] > fleet.yaml   (the generated inventory of (d), e.g. to profile with
//                                                           node --cpu-prof scripts/synth.mjs --inventory fleet.yaml
//                                                           from the project root, beside its dashboards/)
//
//   (a) the synth process (`node scripts/synth.mjs`, warm bundle and code cache) on cmm.yaml      < 0.3 s median
//   (b) `npm run synth` end to end, warm                                                           < 1 s median
//   (c) the first `npm run synth` after a clone (no build/), and after `npm install` (bundle built by
//       the `prepare` script, no code cache yet), in a copy of the checkout                        < 1 s median
//   (d) generated inventories of 250, 500 and 1000 clusters: 1000 in < 10 s and < 1 GiB peak RSS,
//       with the cost per cluster not growing with the fleet
//   (f) the same fleets in thanos mode (central.metrics: thanos; sidecars behind a LoadBalancer or an Ingress, one
//       cluster in three pushing with remote write, half of those as agents): the same targets as (d)
//   (g) the active series a cluster of 10 nodes / 300 pods and of 100 nodes / 3000 pods would keep, before and after
//       the default drop lists: an ESTIMATE from the per-metric-family model of scripts/series-estimate.mjs (sources
//       beside each figure); `--series` prints only it
//   (e) large invalid inventories (one mapping of 1 and 10 MB with one bad key, and with every key bad; 10 MB of
//       clusters with every name bad): the error in < 20 s and < 2 GiB, growing linearly with the size
//
// Wall time is measured here (process.hrtime around the child); peak RSS with `/usr/bin/time -f '%e %M'` when it
// exists, otherwise with a preloaded script that records `process.resourceUsage().maxRSS` of every node process.
// It is a measurement, not a test: a missed target prints MISS and the exit code stays 0. The exit code is 1 only
// when a synth run itself fails (or cannot be measured). The table goes to stdout, progress to stderr.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleIsStale } from './staleness.mjs';
import { seriesEstimateMarkdown } from './series-estimate.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';
const RUN_TIMEOUT_MS = 120_000;
const MIB = 1024; // maxRSS and %M are in KiB

// ---------------------------------------------------------------------------------------------------------------
// Options

function usage(code) {
  process.stderr.write(
    'usage: node scripts/bench.mjs [--quick] [--runs N] [--big-runs N] [--no-time]\n' +
      '  --quick       fewer repetitions (5 small, 1 big) for a fast look\n' +
      '  --runs N      repetitions of the small measurements (default 15)\n' +
      '  --big-runs N  repetitions of each generated-fleet size (default 3)\n' +
      `  --no-time     measure peak RSS with a preloaded script even if ${TIME} exists\n` +
      '  --print-fleet N  print the generated inventory of N clusters and exit (--thanos: the thanos-mode one)\n' +
      '  --series      print only the series estimate (g) and exit\n',
  );
  process.exit(code);
}

const argv = process.argv.slice(2);
const opts = {
  runs: 15,
  bigRuns: 3,
  useTime: fs.existsSync(TIME) && process.platform !== 'win32',
  printFleet: 0,
  thanos: false,
  series: false,
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const count = () => {
    const n = Number(argv[++i]);
    if (!Number.isInteger(n) || n < 1) usage(2);
    return n;
  };
  if (a === '--quick') Object.assign(opts, { runs: 5, bigRuns: 1 });
  else if (a === '--runs') opts.runs = count();
  else if (a === '--big-runs') opts.bigRuns = count();
  else if (a === '--no-time') opts.useTime = false;
  else if (a === '--print-fleet') opts.printFleet = count();
  else if (a === '--thanos') opts.thanos = true;
  else if (a === '--series') opts.series = true;
  else if (a === '--help' || a === '-h') usage(0);
  else usage(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Temporary files and child processes: everything is removed or stopped on exit, error, Ctrl-C or SIGTERM.

if (opts.printFleet > 0) {
  process.stdout.write(fleetYaml(opts.printFleet, opts.thanos));
  process.exit(0);
}
if (opts.series) {
  process.stdout.write(`${(await seriesEstimateMarkdown()).join('\n')}\n`);
  process.exit(0);
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cmm-bench-'));
const live = new Set(); // pids of running children, each the leader of its own process group

function cleanup() {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  fs.rmSync(TMP, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    cleanup();
    process.exit(code);
  });
}

const PRELOAD = path.join(TMP, 'max-rss.cjs');
fs.writeFileSync(
  PRELOAD,
  `'use strict';
const dir = process.env.CMM_BENCH_RSS_DIR;
if (dir) process.on('exit', () => {
  try { require('fs').writeFileSync(require('path').join(dir, String(process.pid)), String(process.resourceUsage().maxRSS)); } catch {}
});
`,
);

let runCounter = 0;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const CHILD_PATH = [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter);

/**
 * Runs one command and measures it: wall time (ms) from spawn to exit, and peak RSS (KiB) of the largest process
 * in its tree. Resolves with the result; never rejects (a failure is { ok: false }).
 */
function measure(cmd, args, { cwd = ROOT, expectCode = 0 } = {}) {
  const n = ++runCounter;
  const env = { ...process.env, PATH: CHILD_PATH, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
  delete env.CMM_INVENTORY; // the commands pass what they mean; a stray environment must not change the input
  delete env.CDK8S_OUTDIR;
  let file = cmd;
  let fileArgs = args;
  let rssOut;
  if (opts.useTime) {
    rssOut = path.join(TMP, `time-${n}.txt`);
    file = TIME;
    fileArgs = ['-f', '%e %M', '-o', rssOut, cmd, ...args];
  } else {
    rssOut = fs.mkdtempSync(path.join(TMP, `rss-${n}-`));
    env.CMM_BENCH_RSS_DIR = rssOut;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim();
  }
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    let wallMs;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(file, fileArgs, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32', // own process group, so a timeout or Ctrl-C stops npm's children too
      shell: process.platform === 'win32',
    });
    if (child.pid !== undefined) live.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, RUN_TIMEOUT_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', () => {
      wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    });
    const done = (code, signal, spawnError) => {
      clearTimeout(timer);
      live.delete(child.pid);
      let rssKiB;
      try {
        if (opts.useTime) {
          const last = fs.readFileSync(rssOut, 'utf8').trim().split('\n').pop();
          rssKiB = Number(last.split(/\s+/)[1]);
        } else {
          rssKiB = Math.max(
            ...fs.readdirSync(rssOut).map((f) => Number(fs.readFileSync(path.join(rssOut, f), 'utf8'))),
          );
        }
        if (!Number.isFinite(rssKiB) || rssKiB <= 0) rssKiB = undefined;
      } catch {
        rssKiB = undefined;
      }
      fs.rmSync(rssOut, { recursive: true, force: true });
      const ok = !spawnError && !timedOut && code === expectCode && rssKiB !== undefined;
      const why = spawnError
        ? `cannot start ${file}: ${spawnError.message}`
        : timedOut
          ? `timed out after ${RUN_TIMEOUT_MS / 1000} s`
          : code !== expectCode
            ? `exit ${code ?? signal}, expected ${expectCode}`
            : rssKiB === undefined
              ? 'peak RSS not recorded'
              : '';
      resolve({ ok, why, wallMs: wallMs ?? Number(process.hrtime.bigint() - started) / 1e6, rssKiB, stdout, stderr });
    };
    child.on('error', (e) => done(null, null, e));
    child.on('close', (code, signal) => done(code, signal));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Results

let failed = false;

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

/** `cmm: 3 clusters, 13 files written to … in 61 ms` */
function parseSynthLine(stdout) {
  const m = /cmm: (\d+) clusters, (\d+) files written to .* in (\d+) ms/.exec(stdout);
  return m ? { clusters: Number(m[1]), files: Number(m[2]), inProcessMs: Number(m[3]) } : undefined;
}

function reportFailure(label, r) {
  failed = true;
  process.stderr.write(`bench: ${label} failed (${r.why})\n`);
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  if (tail) process.stderr.write(`${tail.replace(/^/gm, '  | ')}\n`);
}

/**
 * Runs `once(i)` (which returns a measure() result) `runs` times; stops at the first failure (reported, and the exit
 * code becomes 1) and returns undefined. Otherwise returns the results with the synth's own summary line parsed.
 */
async function repeat(label, runs, once, { invalidInput = false } = {}) {
  const results = [];
  process.stderr.write(`bench: ${label} `);
  for (let i = 0; i < runs; i++) {
    const r = await once(i);
    // A run on invalid input prints no summary line (`once` checks its report).
    const synth = !r.ok
      ? undefined
      : invalidInput
        ? { inProcessMs: NaN, clusters: 0, files: 0 }
        : parseSynthLine(r.stdout);
    if (r.ok && !synth) Object.assign(r, { ok: false, why: 'no "cmm: N clusters, N files …" line on stdout' });
    if (!r.ok) {
      process.stderr.write('\n');
      reportFailure(`${label}, run ${i + 1}`, r);
      return undefined;
    }
    results.push({ ...r, synth });
    process.stderr.write('.');
  }
  const s = stats(results.map((r) => r.wallMs));
  process.stderr.write(` median ${fmtS(s.median)}\n`);
  return results;
}

function summary(results) {
  if (!results) return undefined;
  return {
    runs: results.length,
    wall: stats(results.map((r) => r.wallMs)),
    peakKiB: Math.max(...results.map((r) => r.rssKiB)),
    inProcess: stats(results.map((r) => r.synth.inProcessMs)),
    clusters: results[0].synth.clusters,
    files: results[0].synth.files,
  };
}

const fmtS = (ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(3)} s` : `${(ms / 1000).toFixed(2)} s`);
const fmtMiB = (kib) => `${Math.round(kib / MIB)} MiB`;
const fmtMs = (ms) => (ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`);

/** A fresh output folder for one run, removed right after it (outside the measured time). */
function outdir(tag) {
  return path.join(TMP, `out-${tag}-${++runCounter}`);
}

async function synthOnce(tag, cwd, args, viaNpm) {
  const out = outdir(tag);
  const r = viaNpm
    ? await measure(NPM, ['run', '-s', 'synth', '--', ...args, '--outdir', out], { cwd })
    : await measure(process.execPath, ['scripts/synth.mjs', ...args, '--outdir', out], { cwd });
  fs.rmSync(out, { recursive: true, force: true });
  return r;
}

// The staleness rule of scripts/synth.mjs (scripts/staleness.mjs).
let rebuilds = 0;
/** Before a warm measurement: if a source changed since the bundle was built, rebuild it by an unmeasured run. */
async function ensureWarm() {
  const cold = !fs.existsSync(path.join(ROOT, 'build', 'main.js.cache'));
  if (!cold && !bundleIsStale(ROOT, path.join(ROOT, 'build', 'main.js'))) return true;
  rebuilds++;
  const r = await synthOnce('warmup', ROOT, [], false);
  if (!r.ok) reportFailure('warm-up synth (node scripts/synth.mjs on cmm.yaml, rebuilding the bundle)', r);
  return r.ok;
}

const bundleStamp = (dir) => {
  try {
    return fs.statSync(path.join(dir, 'build', 'main.js')).mtimeMs;
  } catch {
    return 0;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Generated fleets

/** A small YAML emitter for plain data (block mappings and sequences; flow lists of scalars). */
function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  const scalar = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const key = (k) => (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(k) ? k : JSON.stringify(k));
  const inline = (v) =>
    v === null || typeof v !== 'object'
      ? scalar(v)
      : Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')
        ? `[${v.map(scalar).join(', ')}]`
        : Object.keys(v).length === 0
          ? Array.isArray(v)
            ? '[]'
            : '{}'
          : undefined;
  if (Array.isArray(value)) {
    return value
      .map((v) => {
        const flat = inline(v);
        if (flat !== undefined) return `${pad}- ${flat}\n`;
        if (Array.isArray(v)) return `${pad}-\n${toYaml(v, indent + 2)}`;
        return `${pad}- ${toYaml(v, indent + 2).slice(indent + 2)}`;
      })
      .join('');
  }
  let text = '';
  for (const [k, v] of Object.entries(value)) {
    const flat = inline(v);
    text += flat !== undefined ? `${pad}${key(k)}: ${flat}\n` : `${pad}${key(k)}:\n${toYaml(v, indent + 2)}`;
  }
  return text;
}

/**
 * A deterministic fleet of `n` clusters whose shapes vary with the index: the platform, kube-state-metrics or the host root mount
 * off, Prometheus exposed through traefik or nginx, storage, node selectors, resources, a PodMonitor, the defaults'
 * ServiceMonitor dropped, control-plane scraping. One cluster in three is exposed, so the central Grafana gets a
 * datasource for each of those.
 */
function fleetInventory(n) {
  /** The platforms of the generated clusters, by index: half k3s, the rest one of each other platform. */
  const PLATFORM_MIX = ['k3s', 'eks', 'k3s', 'kops', 'k3s', 'gke', 'k3s', 'rke2', 'k3s', 'aks', 'k3s', 'kubeadm'];
  const name = (i) => `cluster-${String(i).padStart(4, '0')}`;
  const clusters = [];
  for (let i = 0; i < n; i++) {
    const c = { name: name(i) };
    // Mostly k3s, one cluster in two on another platform (a helm-controller of CMM's on EKS, GKE, AKS, kOps, kubeadm).
    const platform = PLATFORM_MIX[i % PLATFORM_MIX.length];
    if (platform !== 'k3s') c.platform = platform;
    if (i % 4 === 1) c.kubeStateMetrics = false;
    if (i % 9 === 0) {
      // etcd where it can be scraped (on k3s, at the servers' addresses); the managed planes have none.
      if (platform === 'k3s')
        c.kubernetesComponents = { etcd: true, endpoints: ['10.0.0.10', '10.0.0.11', '10.0.0.12'] };
      else if (['rke2', 'kops', 'kubeadm'].includes(platform)) c.kubernetesComponents = { etcd: true };
      else c.kubernetesComponents = { coreDns: false };
    }
    const prometheus = {};
    if (i % 10 === 7) {
      prometheus.retention = '3d';
      prometheus.retentionSize = '4GB';
      prometheus.resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
    }
    if (i % 7 === 3) {
      c.nodePools = {
        monitoring: {
          labels: { 'kr-mum/noderole': 'monitoring' },
          taints: [{ key: 'kr-mum/noderole', value: 'monitoring', effect: 'NoSchedule' }],
        },
      };
      prometheus.nodePool = 'monitoring';
    }
    if (i % 2 === 0) {
      prometheus.storage = { size: `${20 + (i % 5) * 10}Gi`, storageClass: i % 4 === 0 ? 'longhorn' : 'local-path' };
    }
    const host = `prometheus.${name(i)}.example.com`;
    const secrets = { tlsSecretName: 'prometheus-tls', basicAuthSecretName: 'prometheus-basic-auth' };
    if (i % 6 === 0) prometheus.exposure = { type: 'ingress', controller: 'traefik', host, ...secrets };
    if (i % 6 === 3) {
      prometheus.exposure = { type: 'ingress', controller: 'nginx', ingressClassName: 'nginx', host, ...secrets };
    }
    if (Object.keys(prometheus).length > 0) c.prometheus = prometheus;
    if (i % 11 === 6) c.operator = { nodeSelector: { 'kr-mum/noderole': 'monitoring' } };
    // Every alert reaches someone: an Alertmanager where the centre cannot query the cluster.
    if (i % 6 !== 0 && i % 6 !== 3 && i !== 0)
      c.alertmanager = { enabled: true, slack: { secretName: 'alertmanager-slack' } };
    if (i % 5 === 2) c.nodeExporter = { hostRootFsMount: false };
    if (i % 8 === 4) c.serviceMonitors = { nginx: { enabled: false } };
    if (i % 6 === 5) {
      c.podMonitors = {
        'kafka-exporter': {
          selector: { 'app.kubernetes.io/name': 'kafka-exporter' },
          namespaces: ['kafka'],
          port: 9308,
          interval: '30s',
        },
      };
    }
    clusters.push(c);
  }
  const dashboard = path.join(ROOT, 'dashboards', 'cmm-prometheus-health.json');
  return {
    central: {
      cluster: name(0),
      namespace: 'monitoring',
      adminSecret: { name: 'grafana-admin' },
      persistence: { size: '10Gi', storageClass: 'local-path' },
      ingress: { host: 'grafana.example.com', ingressClassName: 'traefik', tlsSecretName: 'grafana-tls' },
      alerting: { slack: { secretName: 'grafana-alerting' } },
      dashboards: {
        // Dashboard files are read relative to the inventory, inside its folder: written beside it (writeFleet).
        ...(fs.existsSync(dashboard) ? { files: ['dashboards/cmm-prometheus-health.json'] } : {}),
        grafanaCom: [{ name: 'node-exporter-full', id: 1860, revision: 37 }],
      },
    },
    defaults: {
      namespace: 'monitoring',
      prometheus: { retention: '15d', scrapeInterval: '30s' },
      serviceMonitors: {
        nginx: {
          selector: { 'app.kubernetes.io/name': 'nginx' },
          namespaces: ['web'],
          port: 'metrics',
          interval: '10s',
        },
      },
    },
    clusters,
  };
}

/**
 * The fleet of {@link fleetInventory} in thanos mode: the central Thanos with a Receive; every other cluster joins it,
 * two in three with the sidecar (alternately behind a LoadBalancer and an Ingress through Traefik or nginx), one in
 * three with remote write, half of those as Prometheus agents (without an Alertmanager).
 */
function thanosFleetInventory(n) {
  const inv = fleetInventory(n);
  inv.central.metrics = 'thanos';
  inv.central.thanos = {
    objectStorageSecret: { name: 'thanos-objstore' },
    store: { storage: { size: '20Gi', storageClass: 'local-path' } },
    compactor: { storage: { size: '100Gi', storageClass: 'local-path' } },
    receive: {
      replicas: 3,
      replicationFactor: 3,
      storage: { size: '50Gi', storageClass: 'local-path' },
      ingress: {
        host: 'thanos-receive.example.com',
        tlsSecretName: 'thanos-receive-tls',
        basicAuthSecretName: 'thanos-receive-basic-auth',
      },
    },
  };
  inv.clusters.forEach((c, i) => {
    if (i === 0) return; // the central cluster: its sidecar is reached in the cluster
    if (i % 3 === 2) {
      const agent = i % 6 === 5;
      c.thanos = { mode: 'remote-write', credentialsSecret: 'thanos-receive-credentials', ...(agent ? { agent } : {}) };
      if (agent) delete c.alertmanager;
    } else if (i % 3 === 1) {
      c.thanos = { exposure: { type: 'loadBalancer', address: `thanos.${c.name}.example.com` } };
    } else {
      c.thanos = {
        exposure: {
          type: 'ingress',
          ...(i % 2 === 0 ? { controller: 'nginx', ingressClassName: 'nginx' } : { controller: 'traefik' }),
          host: `thanos.${c.name}.example.com`,
          tlsSecretName: 'thanos-sidecar-tls',
        },
      };
    }
  });
  return inv;
}

function fleetYaml(n, thanos = false) {
  const inv = thanos ? thanosFleetInventory(n) : fleetInventory(n);
  return `# ${n} generated clusters (node scripts/bench.mjs --print-fleet ${n}${thanos ? ' --thanos' : ''})\n${toYaml(inv)}`;
}

/**
 * An invalid inventory of about `mib` MiB: `shape` 'mapping' is one mapping of ServiceMonitors under `defaults`
 * with one bad key name (`one`) or every key bad (`every`); 'clusters' is a list of clusters, every name bad.
 */
function largeInvalidYaml(mib, shape, bad) {
  const lines = ['central: { cluster: a }'];
  const target = mib * 1024 * 1024;
  let size = 0;
  const add = (line) => {
    lines.push(line);
    size += line.length + 1;
  };
  if (shape === 'mapping') {
    add('defaults:');
    add('  serviceMonitors:');
    for (let i = 0; size < target; i++) {
      const name = bad === 'every' || (bad === 'one' && i === 1000) ? `M_${i}` : `m-${i}`;
      add(`    ${name}: { port: metrics, selector: { app: web-${i} }, interval: 30s }`);
    }
    add('clusters:');
    add('  - name: a');
  } else {
    add('clusters:');
    add('  - name: a');
    for (let i = 0; size < target; i++) {
      add(`  - name: Edge_${i}`);
      add('    prometheus: { retention: 3d, scrapeInterval: 30s, externalLabels: { region: eu-west-1 } }');
      add('    serviceMonitors: { web: { port: metrics, selector: { app: web } } }');
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// A copy of the checkout, as a clone would have it

function copyCheckout(dest) {
  const git = spawnSync('git', ['-C', ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let files;
  let how;
  if (git.status === 0) {
    // Tracked files plus untracked, not ignored ones (a commit of the working tree): the synth in progress may
    // import a file not yet added. Deleted ones are skipped.
    files = git.stdout.split('\0').filter(Boolean);
    how = '`git ls-files`';
  } else {
    const skip = new Set(['.git', 'node_modules', 'build', 'dist', 'coverage']);
    files = [];
    const walk = (rel) => {
      for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (!rel && skip.has(e.name)) continue;
        if (e.isDirectory()) walk(r);
        else files.push(r);
      }
    };
    walk('');
    how = 'a copy of the folder (no git)';
  }
  for (const rel of files) {
    if (rel === 'node_modules' || rel.startsWith('node_modules/') || rel.startsWith('build/')) continue;
    const from = path.join(ROOT, rel);
    let st;
    try {
      st = fs.lstatSync(from);
    } catch {
      continue;
    }
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (st.isFile()) fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'junction');
  return { count: files.length, how };
}

// ---------------------------------------------------------------------------------------------------------------
// The measurements

function machine() {
  const cpus = os.cpus();
  const npmV = spawnSync(NPM, ['-v'], { encoding: 'utf8', shell: process.platform === 'win32' });
  const git = spawnSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' });
  return {
    cpus: cpus.length,
    model: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    npm: npmV.status === 0 ? npmV.stdout.trim() : 'unknown',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: git.status === 0 ? git.stdout.trim() : undefined,
  };
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
    process.stderr.write('bench: node_modules/ is missing; run `npm install` first\n');
    return 1;
  }
  const m = machine();
  const loadBefore = os.loadavg()[0];
  const notes = [];
  const rows = [];
  const runs = opts.runs;
  const bigRuns = opts.bigRuns;

  // Warm up: a run rebuilds build/main.js if a source is newer and writes the code cache; the second one loads both.
  // Another one runs before any measured run in the checkout whose sources changed since (someone editing lib/).
  for (let i = 0; i < 2; i++) {
    const r = await synthOnce('warmup', ROOT, [], false);
    if (!r.ok) {
      reportFailure('warm-up synth (node scripts/synth.mjs on cmm.yaml)', r);
      return 1;
    }
  }
  const warm = async (r) => ((await ensureWarm()) ? r() : { ok: false, why: 'the warm-up run failed' });

  // (a) the synth process, warm
  let stamp = bundleStamp(ROOT);
  const a = summary(await repeat('(a) synth process, warm', runs, () => warm(() => synthOnce('a', ROOT, [], false))));
  if (bundleStamp(ROOT) !== stamp) notes.push('(a): a source changed during the runs, so one run rebuilt the bundle.');
  rows.push({
    target: '(a) synth process, warm',
    what: `\`node scripts/synth.mjs\` on cmm.yaml${a ? ` (${a.clusters} clusters, ${a.files} files)` : ''}`,
    s: a,
    goal: '< 0.3 s',
    pass: a && a.wall.median < 300,
  });

  // (b) npm run synth, warm
  stamp = bundleStamp(ROOT);
  const b = summary(await repeat('(b) npm run synth, warm', runs, () => warm(() => synthOnce('b', ROOT, [], true))));
  if (bundleStamp(ROOT) !== stamp) notes.push('(b): a source changed during the runs, so one run rebuilt the bundle.');
  rows.push({
    target: '(b) `npm run synth`, warm',
    what: '`npm run -s synth -- --outdir <tmp>` on cmm.yaml',
    s: b,
    goal: '< 1 s',
    pass: b && b.wall.median < 1000,
  });

  // (c) first runs in a fresh copy of the checkout
  const clone = path.join(TMP, 'clone');
  fs.mkdirSync(clone);
  const copied = copyCheckout(clone);
  const cloneBuild = path.join(clone, 'build');
  const bundleFile = path.join(cloneBuild, 'main.js');
  const cacheFile = `${bundleFile}.cache`;
  let ok = true;
  const c1 = summary(
    await repeat('(c) first npm run synth after a clone', runs, async () => {
      fs.rmSync(cloneBuild, { recursive: true, force: true });
      const r = await synthOnce('c1', clone, [], true);
      if (r.ok && !(fs.existsSync(bundleFile) && fs.existsSync(cacheFile))) {
        Object.assign(r, { ok: false, why: 'the run did not leave build/main.js and its code cache' });
      }
      return r;
    }),
  );
  rows.push({
    target: '(c) first `npm run synth` after a clone',
    what: 'no build/: bundles with esbuild, runs, writes the code cache',
    s: c1,
    goal: '< 1 s',
    pass: c1 && c1.wall.median < 1000,
  });
  const prepareTimes = [];
  const c2 = summary(
    await repeat('(c) first npm run synth after npm install', runs, async () => {
      fs.rmSync(cloneBuild, { recursive: true, force: true });
      const p = await measure(NPM, ['run', '-s', 'build'], { cwd: clone });
      if (!p.ok || !fs.existsSync(bundleFile) || fs.existsSync(cacheFile)) {
        ok = false;
        return { ...p, ok: false, why: `\`npm run build\` (the prepare script) ${p.ok ? 'left no bundle' : p.why}` };
      }
      prepareTimes.push(p);
      const r = await synthOnce('c2', clone, [], true);
      if (r.ok && !fs.existsSync(cacheFile)) Object.assign(r, { ok: false, why: 'the run wrote no code cache' });
      return r;
    }),
  );
  rows.push({
    target: '(c) first `npm run synth` after `npm install`',
    what: 'bundle built by `prepare`, no code cache yet',
    s: c2,
    goal: '< 1 s',
    pass: c2 && c2.wall.median < 1000,
  });
  if (ok && prepareTimes.length > 0) {
    rows.push({
      target: '(c) `prepare` (`npm run build`)',
      what: 'esbuild bundle of main.ts, part of `npm install` (for reference)',
      s: {
        runs: prepareTimes.length,
        wall: stats(prepareTimes.map((r) => r.wallMs)),
        peakKiB: Math.max(...prepareTimes.map((r) => r.rssKiB)),
      },
      goal: '',
      pass: undefined,
    });
  }
  fs.rmSync(clone, { recursive: true, force: true });
  notes.push(
    `(c): in a copy of the checkout (${copied.count} files from ${copied.how}, node_modules symlinked), ` +
      'build/ deleted before every run; the operating system’s file cache is warm, as it is right after a clone.',
  );

  // (d) generated fleets, (f) the same in thanos mode
  const scales = {};
  for (const [tag, thanos] of [
    ['d', false],
    ['f', true],
  ]) {
    const sizes = [250, 500, 1000];
    const scale = [];
    const kind = thanos ? ' in thanos mode' : '';
    for (const n of sizes) {
      const inv = path.join(TMP, `fleet-${tag}${n}.yaml`);
      fs.writeFileSync(inv, fleetYaml(n, thanos));
      fs.mkdirSync(path.join(TMP, 'dashboards'), { recursive: true });
      fs.copyFileSync(
        path.join(ROOT, 'dashboards', 'cmm-prometheus-health.json'),
        path.join(TMP, 'dashboards', 'cmm-prometheus-health.json'),
      );
      stamp = bundleStamp(ROOT);
      const s = summary(
        await repeat(`(${tag}) ${n} clusters${kind}`, bigRuns, async () => {
          const r = await warm(() => synthOnce(`${tag}${n}`, ROOT, ['--inventory', inv], false));
          const line = r.ok ? parseSynthLine(r.stdout) : undefined;
          if (line && line.clusters !== n)
            Object.assign(r, { ok: false, why: `synthesized ${line.clusters} clusters` });
          return r;
        }),
      );
      if (bundleStamp(ROOT) !== stamp)
        notes.push(`(${tag}) ${n}: a source changed during the runs, so one run rebuilt the bundle.`);
      fs.rmSync(inv, { force: true });
      scale.push({ n, s });
    }
    scales[tag] = scale;
    const big = scale.find((x) => x.n === 1000)?.s;
    rows.push({
      target: `(${tag}) 1000 generated clusters${kind}`,
      what: `\`node scripts/synth.mjs --inventory <1000 clusters${thanos ? ', thanos' : ''}>\`${big ? ` (${big.files} files)` : ''}`,
      s: big,
      goal: '< 10 s, < 1 GiB',
      pass: big && big.wall.median < 10_000 && big.peakKiB < 1024 * MIB,
    });
    // Linear: the marginal cost per cluster from 500 to 1000 at most 1.5 times the one from 250 to 500.
    const ok3 = scale.every((x) => x.s);
    const marginal = (i) => (scale[i].s.wall.median - scale[i - 1].s.wall.median) / (scale[i].n - scale[i - 1].n);
    const m1 = ok3 ? marginal(1) : undefined;
    const m2 = ok3 ? marginal(2) : undefined;
    rows.push({
      kind: 'linear',
      target: `(${tag}) cost grows linearly`,
      what: 'marginal ms per cluster, 500→1000 vs 250→500',
      linear: ok3 ? `${fmtMs(m2)} vs ${fmtMs(m1)} (×${(m2 / m1).toFixed(2)})` : undefined,
      goal: '≤ ×1.5',
      pass: ok3 ? m2 <= 1.5 * m1 : undefined,
    });
  }

  // (e) large invalid inventories: the error comes in linear time
  const large = [];
  for (const [label, mib, shape, bad] of [
    ['1 MiB mapping, one bad key', 1, 'mapping', 'one'],
    ['10 MiB mapping, one bad key', 10, 'mapping', 'one'],
    ['1 MiB mapping, every key bad', 1, 'mapping', 'every'],
    ['10 MiB mapping, every key bad', 10, 'mapping', 'every'],
    ['10 MiB of clusters, every name bad', 10, 'clusters', 'every'],
  ]) {
    const inv = path.join(TMP, `large-${mib}-${shape}-${bad}.yaml`);
    fs.writeFileSync(inv, largeInvalidYaml(mib, shape, bad));
    const s = summary(
      await repeat(
        `(e) ${label}`,
        bigRuns,
        async () => {
          const r = await measure(
            process.execPath,
            [path.join(ROOT, 'scripts', 'synth.mjs'), '--inventory', inv, '--outdir', outdir('e')],
            {
              expectCode: 1,
            },
          );
          if (r.ok && !/ is invalid:\n/.test(r.stderr)) Object.assign(r, { ok: false, why: 'no "is invalid" report' });
          return r;
        },
        { invalidInput: true },
      ),
    );
    fs.rmSync(inv, { force: true });
    large.push({ label, mib, s });
    if (mib === 10) {
      rows.push({
        target: `(e) ${label}`,
        what: 'the synth reports the problems (the first 100, the rest counted)',
        s,
        goal: '< 20 s, < 2 GiB',
        pass: s && s.wall.median < 20_000 && s.peakKiB < 2048 * MIB,
      });
    }
  }
  for (const bad of ['one bad key', 'every key bad']) {
    const small = large.find((x) => x.label === `1 MiB mapping, ${bad}`)?.s;
    const big10 = large.find((x) => x.label === `10 MiB mapping, ${bad}`)?.s;
    const ratio = small && big10 ? big10.wall.median / small.wall.median : undefined;
    rows.push({
      kind: 'linear',
      target: `(e) linear: mapping, ${bad}`,
      what: 'wall time at 10 MiB over 1 MiB',
      linear: ratio === undefined ? undefined : `×${ratio.toFixed(1)}`,
      goal: '≤ ×15',
      pass: ratio === undefined ? undefined : ratio <= 15,
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The table

  const out = [];
  out.push('### Synth performance (`npm run bench`)', '');
  out.push(
    `Machine: ${m.cpus} × ${m.model}, ${m.memGiB} GiB, ${m.os}; Node ${m.node}, npm ${m.npm}` +
      `${m.commit ? `; commit ${m.commit}` : ''}; ${new Date().toISOString().slice(0, 10)}. ` +
      `Load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; output written under ${os.tmpdir()}.`,
    '',
  );
  out.push(
    `Wall time measured around the child process, median of N runs; peak RSS is the largest process's, over all runs ` +
      `(${opts.useTime ? `\`${TIME} -f '%e %M'\`` : '`process.resourceUsage().maxRSS`, preloaded'}).`,
    '',
  );
  out.push('| Target | Measured | N | Median | Min – max | Peak RSS | Goal | Result |');
  out.push('|---|---|--:|--:|--:|--:|---|---|');
  for (const r of rows) {
    const result = r.pass === undefined ? (r.s || r.linear ? '—' : 'FAILED') : r.pass ? 'PASS' : 'MISS';
    if (r.kind === 'linear') {
      out.push(
        `| ${r.target} | ${r.what} | | ${r.linear ?? 'n/a'} | | | ${r.goal} | ${r.linear ? result : 'FAILED'} |`,
      );
    } else if (!r.s) {
      out.push(`| ${r.target} | ${r.what} | 0 | run failed | | | ${r.goal} | FAILED |`);
    } else {
      out.push(
        `| ${r.target} | ${r.what} | ${r.s.runs} | ${fmtS(r.s.wall.median)} | ${fmtS(r.s.wall.min)} – ${fmtS(r.s.wall.max)} | ` +
          `${fmtMiB(r.s.peakKiB)} | ${r.goal} | ${result} |`,
      );
    }
  }
  for (const [tag, scale] of Object.entries(scales)) {
    out.push(
      '',
      `Generated fleets (${tag})${tag === 'f' ? ', thanos mode' : ''}: wall time per size, and the synth’s own time (reported by main.ts, excluding Node start-up and loading the bundle).`,
      '',
    );
    out.push(
      '| Clusters | Files | N | Median | Min – max | In-process median | Peak RSS | ms / cluster | Marginal ms / cluster |',
    );
    out.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    scale.forEach(({ n, s }, i) => {
      if (!s) {
        out.push(`| ${n} | | 0 | run failed | | | | | |`);
        return;
      }
      const prev = scale[i - 1]?.s;
      const marg = prev ? fmtMs((s.wall.median - prev.wall.median) / (n - scale[i - 1].n)) : '—';
      out.push(
        `| ${n} | ${s.files} | ${s.runs} | ${fmtS(s.wall.median)} | ${fmtS(s.wall.min)} – ${fmtS(s.wall.max)} | ` +
          `${fmtS(s.inProcess.median)} | ${fmtMiB(s.peakKiB)} | ${fmtMs(s.wall.median / n)} | ${marg} |`,
      );
    });
  }
  if (rebuilds > 0) {
    notes.push(`Sources changed while the benchmark ran: ${rebuilds} unmeasured run(s) rebuilt the bundle first.`);
  }
  if (notes.length > 0) out.push('', ...notes.map((n) => `- ${n}`));
  out.push('', ...(await seriesEstimateMarkdown()));
  process.stdout.write(`${out.join('\n')}\n`);
  return failed ? 1 : 0;
}

let code;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`bench: ${e.stack ?? e}\n`);
  code = 1;
}
cleanup();
process.exit(code);
