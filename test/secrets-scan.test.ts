import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readDashboardFiles, ROOT } from './support/example';
import { Fleet, parseInventory, renderApp } from '../lib';
import { Testing } from 'cdk8s';

/**
 * No credential in any synthesized file: every example inventory is synthesized and every file scanned, as text
 * (known token and URL shapes) and as data (every key that names a secret must hold a reference, not a value),
 * including the YAML inside HelmChart values and ConfigMaps.
 */

/** Token and URL shapes that are credentials wherever they appear. */
const CREDENTIAL_SHAPES: [string, RegExp][] = [
  ['a URL with a user name or password', /[a-z][a-z0-9+.-]*:\/\/[^/\s"'@]*@/i],
  ['a Slack webhook', /hooks\.slack\.com\/(services|workflows)\//],
  ['a Teams or Power Automate webhook', /(webhook\.office\.com|logic\.azure\.com|powerautomate)[^\s"]*sig=/i],
  ['a Slack token', /xox[abposr]-[0-9A-Za-z-]{10,}/],
  ['a GitHub token', /gh[pousr]_[A-Za-z0-9]{30,}/],
  ['an AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a PagerDuty key', /\b[a-f0-9]{32}\b/],
  ['a bcrypt or htpasswd hash', /\$2[aby]\$\d\d\$|\$apr1\$/],
];

/** Keys that name a secret. */
const SECRET_KEY = /pass(word|wd)?$|secret$|token$|api_?key$|credentials?$|private_?key$|webhook_?url$/i;
/**
 * How a secret may appear: a variable that the pod's environment fills from a Secret (`$CMM_...`, `${AWS_...}`), a
 * mounted file, or a Secret or key name (keys ending in `Key`, `Secret`, `SecretName`, `existingSecret`; a key that
 * names a secret, like Traefik's `basicAuth.secret`, may hold the name of a Secret object).
 */
const REFERENCE = /^\$\{?[A-Z][A-Z0-9_]*\}?$|^\/etc\/[-/\w.]+$/;
const REFERENCE_KEY = /(Key|Secret|SecretName|existingSecret|secretName|_file|File|Ref)$/;

/** Every string leaf of a value with its path; YAML inside strings (values, provisioning files) is walked too. */
function leaves(value: unknown, at: string, out: [string, string][]): void {
  if (typeof value === 'string') {
    out.push([at, value]);
    if (value.includes('\n') && /^[\w."-]+:/m.test(value)) {
      try {
        for (const doc of parseAllDocuments(value)) leaves(doc.toJS(), `${at}>`, out);
      } catch {
        // not YAML
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => leaves(v, `${at}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, `${at}.${k}`, out);
  }
}

/** The credentials found in a set of synthesized files: `file: path: what`. */
function scan(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    for (const [what, re] of CREDENTIAL_SHAPES) if (re.test(text)) found.push(`${file}: ${what}`);
    const all: [string, string][] = [];
    for (const doc of parseAllDocuments(text)) leaves(doc.toJS(), '', all);
    for (const [at, v] of all) {
      const key = at
        .split(/[.>]/)
        .pop()!
        .replace(/\[\d+\]$/, '');
      // A Secret's name, or <namespace>/<name> (ingress-nginx's auth-secret and auth-tls-secret).
      const secretName =
        /secret$/i.test(key) && /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v);
      if (SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) && !REFERENCE.test(v) && !secretName && v !== '') {
        found.push(`${file}: ${at} holds a value, not a reference`);
      }
    }
  }
  return found;
}

/** Every example inventory: cmm.yaml and examples/*.yaml. */
function examples(): string[] {
  const dir = path.join(ROOT, 'examples');
  const extra = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(dir, f))
    : [];
  return [path.join(ROOT, 'cmm.yaml'), ...extra];
}

describe('no credential in the output', () => {
  test.each(examples().map((f) => [path.relative(ROOT, f), f]))('%s', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    const inventory = parseInventory(text, file);
    const app = Testing.app();
    new Fleet(app, 'Fleet', { inventory, dashboardFiles: readDashboardFiles(inventory, path.dirname(file)) });
    const files = renderApp(app);
    expect(files.size).toBeGreaterThan(0);
    expect(scan(files)).toEqual([]);
  });

  test('the scan finds credentials (a control: planted ones)', () => {
    const files = new Map([
      [
        'a.yaml',
        'spec:\n  url: https://hooks.slack.com/services/T000/B000/XXXX\n  webhookUrl: https://x.example.com/h\n',
      ],
      ['b.yaml', 'data:\n  values: |\n    grafana:\n      adminPassword: hunter2\n'],
      ['c.yaml', 'repo: https://deploy:pw@charts.example.com\n'],
      ['d.yaml', 'x:\n  token: abc\n  passwordKey: password\n  api_url_file: /etc/alertmanager/secrets/s/url\n'],
      ['e.yaml', 'env:\n  AWS_ACCESS_KEY_ID: AKIAABCDEFGHIJKLMNOP\n'],
    ]);
    expect(scan(files)).toEqual([
      'a.yaml: a Slack webhook',
      'a.yaml: .spec.webhookUrl holds a value, not a reference',
      'b.yaml: .data.values>.grafana.adminPassword holds a value, not a reference',
      'c.yaml: a URL with a user name or password',
      'd.yaml: .x.token holds a value, not a reference',
      'e.yaml: an AWS access key',
    ]);
  });
});
