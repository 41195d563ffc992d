import {
  Composer,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Parser,
  type CST,
  type Node,
  type Pair,
} from 'yaml';
import { alertmanagerProblems } from '../agent/alertmanager';
import { MAX_NESTING_DEPTH } from './json';
import { formatPath, MAX_PROBLEMS, ValidationError, validate, type Locate } from './errors';
import {
  clusterConfig,
  hostNamespaceProblems,
  inventory,
  storageClassProblem,
  type ClusterConfig,
  type ClusterDefaults,
  type Inventory,
} from './schema';
import { AGENT_DEFAULTS } from '../agent/agent-defaults';
import { LOKI_DEFAULTS } from '../logs/loki-defaults';
import { thanosComponentProblems } from '../thanos/thanos-checks';

/** Karma's name for the central Grafana's built-in Alertmanager (`central.karma.grafana`): no cluster may have it. */
export const KARMA_GRAFANA_ALERTMANAGER = 'central-grafana';

/**
 * Parses and validates inventory text. `fileName` is only used in messages.
 *
 * Throws a {@link ValidationError} whose problems each read
 * `cmm.yaml:14:11: clusters[1].name: "Edge_1" is not valid; expected a DNS-1123 label: ...`.
 */
export function parseInventory(text: string, fileName = 'cmm.yaml'): Inventory {
  const lineCounter = new LineCounter();
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const doc = composeOne(text, lineCounter, fileName, pos);
  const { duplicates, hasAliases } = scanKeys(doc.contents); // before inlineAliases(), which shares nodes
  const aliases = hasAliases ? inlineAliases(doc.contents) : { errors: [], restore: () => undefined };
  const errors = [
    ...doc.errors.map((e) => ({ offset: e.pos[0], message: e.message.split('\n')[0] })),
    ...duplicates,
    ...aliases.errors,
  ].sort((a, b) => a.offset - b.offset);
  if (errors.length > 0) {
    throw new ValidationError(
      fileName,
      errors.slice(0, MAX_PROBLEMS).map((e) => `${pos(e.offset)}: ${e.message}`),
      errors.length,
    );
  }
  // No alias is left to resolve (yaml resolves each one with a scan of the document); put them back for locate().
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: -1 });
  } finally {
    aliases.restore();
  }
  if (data === null || data === undefined) {
    throw new ValidationError(fileName, [
      `${fileName}: the file is empty; expected a mapping with central: and clusters:`,
    ]);
  }
  const keyIndex: KeyIndex = new WeakMap();
  const locate: Locate = (path, keyOnly) => {
    const node = nodeAt(doc.contents, path, keyOnly, keyIndex);
    return node?.range ? pos(node.range[0]) : undefined;
  };
  const inv = validate(inventory, data, fileName, { locate });
  // Each cluster's merged settings must be complete (e.g. a monitor's selector may come from defaults).
  const problems: string[] = [];
  let total = 0;
  const merged = resolveClusters(inv);
  merged.forEach((cluster, i) => {
    try {
      validate(clusterConfig, cluster, fileName, { locate, basePath: ['clusters', i] });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      total += e.total;
      for (const p of e.problems) if (problems.length < MAX_PROBLEMS) problems.push(`${p} (after merging defaults)`);
    }
  });
  if (total > 0) throw new ValidationError(fileName, problems, total);
  const thanosMode = (inv.central.metrics ?? 'direct') === 'thanos';
  // The central Grafana needs at least one Prometheus it can reach (in thanos mode, the central Query).
  const reachable =
    thanosMode || merged.some((c) => c.name === inv.central.cluster || c.prometheus?.exposure?.type === 'ingress');
  // Every cluster that ships logs needs a central Loki it can reach.
  const logProblems: string[] = [];
  merged.forEach((c, i) => {
    if (!(c.logs?.enabled ?? inv.central.loki !== undefined)) return;
    const path = c.logs?.enabled !== undefined ? ['clusters', i, 'logs', 'enabled'] : ['clusters', i];
    const where = locate(path, false);
    const at = `${where ? `${where}: ` : ''}clusters[${i}]${c.logs?.enabled !== undefined ? '.logs.enabled' : ''}`;
    if (!inv.central.loki) {
      logProblems.push(
        `${at}: ${c.name} ships logs but there is no central.loki; expected central.loki, or logs.enabled: false`,
      );
    } else if (c.name !== inv.central.cluster && !inv.central.loki.ingress) {
      logProblems.push(
        `${at}: ${c.name} ships logs but cannot reach the central Loki; expected central.loki.ingress (the push endpoint), or logs.enabled: false`,
      );
    }
  });
  logProblems.push(...thanosProblems(inv, merged, locate));
  // The host namespace is none of the central Grafana's or ArgoCD's.
  merged.forEach((c, i) => {
    const ships = c.logs?.enabled ?? inv.central.loki !== undefined;
    for (const [path, value, expected] of hostNamespaceProblems(c, inv, ships)) {
      const where = locate(['clusters', i, ...path], false) ?? locate(['defaults', ...path], false);
      logProblems.push(
        `${where ? `${where}: ` : ''}clusters[${i}].${path.join('.')}: ${JSON.stringify(value)} is not valid; expected ${expected} (${c.name}, after merging defaults)`,
      );
    }
  });
  // Karma names each Alertmanager after its cluster, and the central Grafana's `central-grafana`.
  if (inv.central.karma?.grafana) {
    merged.forEach((c, i) => {
      if (c.name !== KARMA_GRAFANA_ALERTMANAGER) return;
      const where = locate(['clusters', i, 'name'], false);
      logProblems.push(
        `${where ? `${where}: ` : ''}clusters[${i}].name: ${JSON.stringify(c.name)} is not valid with central.karma.grafana; expected a name other than ${KARMA_GRAFANA_ALERTMANAGER}, Karma's name for the central Grafana's Alertmanager`,
      );
    });
  }
  // Karma reaches every Alertmanager: the central cluster's in the cluster, the others through their Ingress.
  if (inv.central.karma) {
    merged.forEach((c, i) => {
      const am = c.alertmanager;
      if (!am?.enabled || c.name === inv.central.cluster || am.exposure) return;
      const where = locate(['clusters', i, 'alertmanager'], false);
      logProblems.push(
        `${where ? `${where}: ` : ''}clusters[${i}].alertmanager.exposure: is required for ${c.name} with central.karma; expected an Ingress (type: ingress, host, tlsSecretName, basicAuthSecretName) through which Karma reaches its Alertmanager (after merging defaults)`,
      );
    });
  }
  // Routes to receivers and time intervals that exist (after merging defaults).
  merged.forEach((c, i) => {
    if (!c.alertmanager) return;
    for (const [path, message] of alertmanagerProblems(c.alertmanager)) {
      const full = ['alertmanager', ...path];
      const where = locate(['clusters', i, ...full], false) ?? locate(['defaults', ...full], false);
      logProblems.push(
        `${where ? `${where}: ` : ''}${formatPath(['clusters', i, ...full])}: ${message} (${c.name}, after merging defaults)`,
      );
    }
  });
  // The central cluster has one platform.
  const centralEntry = merged.find((c) => c.name === inv.central.cluster);
  if (inv.central.platform !== undefined && centralEntry !== undefined) {
    const entryPlatform = centralEntry.platform ?? AGENT_DEFAULTS.platform;
    if (entryPlatform !== inv.central.platform) {
      const where = locate(['central', 'platform'], false);
      logProblems.push(
        `${where ? `${where}: ` : ''}central.platform: ${JSON.stringify(inv.central.platform)} is not valid; expected the platform of the central cluster's clusters[] entry (${entryPlatform}), or no central.platform`,
      );
    }
  }
  // The central's claims on a platform without a default StorageClass.
  const platform = inv.central.platform ?? centralEntry?.platform;
  const claims: [PropertyKey[], { storageClass?: string } | undefined][] = [
    [['central', 'persistence'], inv.central.persistence === false ? undefined : (inv.central.persistence ?? {})],
    ...(inv.central.loki && (inv.central.loki.mode ?? LOKI_DEFAULTS.mode) === 'monolithic'
      ? [[['central', 'loki', 'storage'], inv.central.loki.storage ?? {}] as [PropertyKey[], { storageClass?: string }]]
      : []),
    ...(thanosMode && inv.central.thanos
      ? ([
          [['central', 'thanos', 'store', 'storage'], inv.central.thanos.store?.storage ?? {}],
          [['central', 'thanos', 'compactor', 'storage'], inv.central.thanos.compactor?.storage ?? {}],
          ...(merged.some((c) => c.thanos?.mode === 'remote-write')
            ? [[['central', 'thanos', 'receive', 'storage'], inv.central.thanos.receive?.storage ?? {}]]
            : []),
        ] as [PropertyKey[], { storageClass?: string }][])
      : []),
  ];
  for (const [path, storage] of claims) {
    const problem = storageClassProblem(storage, platform);
    if (!problem) continue;
    const where = locate(path, false);
    logProblems.push(`${where ? `${where}: ` : ''}${path.join('.')}.storageClass: is required; expected ${problem}`);
  }
  // The central parts' node pools are the central cluster's (its clusters[] entry).
  const centralPools = Object.keys(merged.find((c) => c.name === inv.central.cluster)?.nodePools ?? {});
  for (const path of [['central'], ['central', 'loki'], ['central', 'thanos']]) {
    const settings = (path.length === 1 ? inv.central : inv.central[path[1] as 'loki' | 'thanos']) as
      { nodePool?: string } | undefined;
    if (settings?.nodePool === undefined || centralPools.includes(settings.nodePool)) continue;
    const where = locate([...path, 'nodePool'], false);
    logProblems.push(
      `${where ? `${where}: ` : ''}${path.join('.')}.nodePool: ${JSON.stringify(settings.nodePool)} is not valid; expected a node pool of the central cluster ${inv.central.cluster} (${centralPools.length > 0 ? centralPools.join(', ') : 'its clusters[] entry has no nodePools'})`,
    );
  }
  if (logProblems.length > 0) throw new ValidationError(fileName, logProblems);
  if (!reachable) {
    const where = locate(['central', 'cluster'], false);
    throw new ValidationError(fileName, [
      `${where ? `${where}: ` : ''}central.cluster: ${JSON.stringify(inv.central.cluster)} is not in clusters[] and no cluster sets prometheus.exposure; expected the central cluster to be monitored too, or a cluster exposed with prometheus.exposure.type: ingress, so Grafana has a datasource`,
    ]);
  }
  return inv;
}

/**
 * The one YAML document of the text. The tokens are checked for absurd nesting before composing (which recurses as
 * deep as the text nests), and dropped once composed, so a large file is not held twice.
 */
function composeOne(text: string, lineCounter: LineCounter, fileName: string, pos: (offset: number) => string) {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = tooDeep(tokens, MAX_NESTING_DEPTH);
  if (deep !== undefined) {
    throw new ValidationError(fileName, [
      `${pos(deep)}: nested more than ${MAX_NESTING_DEPTH} levels deep; expected at most ${MAX_NESTING_DEPTH} (an inventory needs about 10)`,
    ]);
  }
  // yaml's own `uniqueKeys` check compares each key with every earlier key of its mapping (quadratic in the
  // mapping's size); scanKeys() does the same check with a Set.
  const docs = [
    ...new Composer({ prettyErrors: false, merge: true, uniqueKeys: false }).compose(tokens, true, text.length),
  ];
  if (docs.length > 1) {
    throw new ValidationError(fileName, [
      `${pos(docs[1].range[0])}: a second YAML document (after "---"); expected one document`,
    ]);
  }
  return docs[0] ?? parseDocument('');
}

/** Offset of the first collection nested deeper than `limit` in the parsed tokens, or undefined. */
function tooDeep(tokens: readonly CST.Token[], limit: number): number | undefined {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [t, depth] = stack.pop()!;
    if (t === undefined) continue;
    if (t.type === 'document') {
      stack.push([t.value, depth]);
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth >= limit) return t.offset;
      for (const item of t.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * The keys repeated within a mapping, as yaml's `uniqueKeys: true` reports them ("Map keys must be unique" at the
 * repeated key), in linear time: scalar keys are equal when their values are (`===`), other keys never are. Also
 * tells whether the document has aliases.
 */
function scanKeys(root: unknown): { duplicates: TextError[]; hasAliases: boolean } {
  const duplicates: TextError[] = [];
  let hasAliases = false;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        stack.push(key, pair.value);
        if (!isScalar(key) || Number.isNaN(key.value)) continue; // NaN !== NaN, as in yaml's check
        if (seen.has(key.value)) duplicates.push({ offset: key.range?.[0] ?? 0, message: 'Map keys must be unique' });
        else seen.add(key.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isPair(node)) {
      stack.push(node.key, node.value);
    } else if (isAlias(node)) {
      hasAliases = true;
    }
  }
  return { duplicates, hasAliases };
}

/** A problem at an offset in the text. */
interface TextError {
  offset: number;
  message: string;
}

/** Aliases may add at most this many values to the document (instead of yaml's `maxAliasCount`). */
const MAX_ALIAS_EXPANSION = 1_000_000;

/**
 * Replaces every alias (`*name`) by the node it refers to, in one walk in document order, so that `toJS()`
 * resolves none: yaml resolves each alias with a scan of the anchors, and counts nested aliases with a scan of the
 * whole document. The expansion is bounded by {@link MAX_ALIAS_EXPANSION} ("billion laughs") and the nesting it
 * makes by {@link MAX_NESTING_DEPTH}. `restore()` puts the aliases back.
 */
function inlineAliases(root: unknown): { errors: TextError[]; restore: () => void } {
  const errors: TextError[] = [];
  const undo: { owner: Slots; slot: string | number; alias: unknown }[] = [];
  const restore = () => {
    for (let i = undo.length - 1; i >= 0; i--) undo[i].owner[undo[i].slot] = undo[i].alias;
  };
  const anchors = new Map<string, Node>(); // the last node with each anchor so far
  const open = new Set<Node>(); // anchored nodes being walked (an alias to one of them is a cycle)
  // Each walked anchored node: its values and its levels of collections, aliases expanded.
  const sizes = new Map<Node, { count: number; height: number }>();
  // Each node being walked: its values so far, and the most levels of collections in one of its items.
  const walking: { count: number; inner: number }[] = [{ count: 0, inner: 0 }];
  let added = 0;
  // Document order: a node before its children, a key before its value (the order yaml resolves aliases in).
  const stack: ({ node: unknown; owner: Slots; slot: string | number } | { exit: Node })[] = [
    { node: root, owner: {}, slot: 0 },
  ];
  while (stack.length > 0 && added <= MAX_ALIAS_EXPANSION) {
    const frame = stack.pop()!;
    if ('exit' in frame) {
      const { count, inner } = walking.pop()!;
      const height = isMap(frame.exit) || isSeq(frame.exit) ? inner + 1 : 0;
      const parent = walking[walking.length - 1];
      parent.count += count;
      parent.inner = Math.max(parent.inner, height);
      open.delete(frame.exit);
      if (frame.exit.anchor) sizes.set(frame.exit, { count, height });
      continue;
    }
    const { node, owner, slot } = frame;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const offset = node.range?.[0] ?? 0;
      if (!target) {
        errors.push({ offset, message: `*${node.source} refers to no anchor; expected &${node.source} before it` });
      } else if (open.has(target)) {
        errors.push({ offset, message: `*${node.source} is inside the node it refers to; expected it outside` });
      } else {
        const size = sizes.get(target) ?? { count: 1, height: 0 };
        const parent = walking[walking.length - 1];
        parent.count += size.count;
        parent.inner = Math.max(parent.inner, size.height);
        added += size.count - 1;
        if (added > MAX_ALIAS_EXPANSION) {
          errors.push({
            offset,
            message: `aliases expand the file by more than ${MAX_ALIAS_EXPANSION} values here; expected fewer aliases of large anchors`,
          });
        } else if (walking.length - 1 + size.height > MAX_NESTING_DEPTH) {
          errors.push({
            offset,
            message: `*${node.source} nests the file more than ${MAX_NESTING_DEPTH} levels deep; expected at most ${MAX_NESTING_DEPTH} (an inventory needs about 10)`,
          });
          break;
        }
        owner[slot] = target;
        undo.push({ owner, slot, alias: node });
      }
    } else if (isPair(node)) {
      const pair = node as unknown as Slots;
      stack.push({ node: node.value, owner: pair, slot: 'value' }, { node: node.key, owner: pair, slot: 'key' });
    } else if (isNode(node)) {
      if (node.anchor) {
        anchors.set(node.anchor, node);
        open.add(node);
      }
      walking.push({ count: 1, inner: 0 });
      stack.push({ exit: node });
      if (isMap(node) || isSeq(node)) {
        const items = node.items as unknown as Slots & unknown[];
        for (let i = items.length - 1; i >= 0; i--) stack.push({ node: items[i], owner: items, slot: i });
      }
    }
  }
  return { errors, restore };
}

/** A pair (`key`, `value`) or a collection's items (by index), whose entries inlineAliases() replaces. */
type Slots = Record<string | number, unknown>;

/** Per mapping node, its pairs by key text (the first pair of each key), built on the first lookup. */
type KeyIndex = WeakMap<object, Map<string, Pair>>;

/** The YAML node at `path` (the key node when `keyOnly`), or the nearest ancestor that exists. */
function nodeAt(root: unknown, path: readonly PropertyKey[], keyOnly: boolean, keyIndex: KeyIndex): Node | undefined {
  let node = root as Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (!node || !('items' in node)) return node;
    const items = (node as unknown as { items: unknown[] }).items;
    if (isMap(node)) {
      let index = keyIndex.get(node);
      if (!index) {
        index = new Map();
        for (const p of node.items) {
          if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair);
        }
        keyIndex.set(node, index);
      }
      const pair = index.get(String(seg));
      if (!pair) return node;
      if (keyOnly && i === path.length - 1) return pair.key as Node;
      node = (pair.value ?? pair.key) as Node;
    } else if (typeof seg === 'number') {
      node = items[seg] as Node | undefined;
    } else {
      return node;
    }
  }
  return node;
}

/**
 * Merges the shared `defaults:` under each cluster entry: mappings merge key by key (so a cluster can add one
 * ServiceMonitor or change one Prometheus setting), lists and scalars replace. Monitors set `enabled: false`
 * are dropped. The result is complete only for a validated inventory (`parseInventory` checks it).
 */
export function resolveClusters(inv: Inventory): ClusterConfig[] {
  return inv.clusters.map((c) => {
    const merged = deepMerge(inv.defaults ?? {}, c) as ClusterConfig;
    return {
      ...merged,
      ...(merged.serviceMonitors ? { serviceMonitors: enabledOnly(merged.serviceMonitors) } : {}),
      ...(merged.podMonitors ? { podMonitors: enabledOnly(merged.podMonitors) } : {}),
    };
  });
}

function enabledOnly<T extends { enabled?: boolean }>(monitors: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(monitors).filter(([, m]) => m.enabled !== false));
}

/** Deep merge of plain objects; `over` wins; arrays and scalars replace. Inputs are not modified. */
export function deepMerge(under: unknown, over: unknown): unknown {
  if (!isPlainObject(under) || !isPlainObject(over)) return over === undefined ? under : over;
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(under[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type { ClusterDefaults };

/**
 * What the thanos mode needs: `central.thanos` (its object storage Secret) with `metrics: thanos` and not without; for
 * every sidecar cluster but the central one, an exposure the central Query can reach; for every remote-write cluster,
 * credentials and a Receive endpoint; agent mode only with remote write, and without a local Alertmanager.
 */
function thanosProblems(inv: Inventory, merged: readonly ClusterConfig[], locate: Locate): string[] {
  const problems: string[] = [];
  const at = (path: PropertyKey[], shown: string) => {
    const where = locate(path, false);
    return `${where ? `${where}: ` : ''}${shown}`;
  };
  const thanosMode = (inv.central.metrics ?? 'direct') === 'thanos';
  if (!thanosMode) {
    if (inv.central.thanos) {
      problems.push(
        `${at(['central', 'thanos'], 'central.thanos')}: is set but central.metrics is ${JSON.stringify(inv.central.metrics ?? 'direct')}; expected central.metrics: thanos, or no central.thanos`,
      );
    }
    merged.forEach((c, i) => {
      if (c.thanos) {
        problems.push(
          `${at(['clusters', i, 'thanos'], `clusters[${i}].thanos`)}: is set but central.metrics is not thanos; expected central.metrics: thanos, or no thanos settings`,
        );
      }
    });
    return problems;
  }
  if (!inv.central.thanos) {
    problems.push(
      `${at(['central', 'metrics'], 'central.thanos')}: is required with central.metrics: thanos; expected the central Thanos settings, at least objectStorageSecret (an existing Secret with the object storage configuration)`,
    );
    return problems;
  }
  const pushing: string[] = [];
  merged.forEach((c, i) => {
    const t = c.thanos ?? {};
    const mode = t.mode ?? 'sidecar';
    const base = ['clusters', i, 'thanos'];
    const shown = `clusters[${i}].thanos`;
    if (mode === 'sidecar') {
      if (t.credentialsSecret !== undefined || t.agent !== undefined || t.receiveCaSecret !== undefined) {
        const key =
          t.agent !== undefined ? 'agent' : t.credentialsSecret !== undefined ? 'credentialsSecret' : 'receiveCaSecret';
        problems.push(
          `${at([...base, key], `${shown}.${key}`)}: is set but the cluster's mode is sidecar; expected mode: remote-write, or no ${key}`,
        );
      }
      if (c.name === inv.central.cluster && t.exposure) {
        problems.push(
          `${at([...base, 'exposure'], `${shown}.exposure`)}: is set for the central cluster ${c.name}; expected no exposure (the central Query reaches its sidecar inside the cluster)`,
        );
      }
      if (c.name !== inv.central.cluster && !t.exposure) {
        problems.push(
          `${at(c.thanos ? base : ['clusters', i], `${shown}.exposure`)}: is required for ${c.name}; expected how the central Thanos Query reaches its sidecar (type loadBalancer or ingress), or mode: remote-write for a cluster the centre cannot reach (after merging defaults)`,
        );
      }
    } else {
      if (c.name === inv.central.cluster) {
        problems.push(
          `${at([...base, 'mode'], `${shown}.mode`)}: "remote-write" is not valid for the central cluster ${c.name}; expected sidecar (the central Query reaches its sidecar inside the cluster)`,
        );
        return;
      }
      pushing.push(c.name);
      if (t.agent && c.rules?.groups && Object.keys(c.rules.groups).length > 0) {
        problems.push(
          `${at(['clusters', i, 'rules', 'groups'], `clusters[${i}].rules.groups`)}: is set but the cluster's Prometheus runs in agent mode (thanos.agent: true), which evaluates no rules; expected agent: false, or no rule groups (after merging defaults)`,
        );
      }
      if (t.exposure) {
        problems.push(
          `${at([...base, 'exposure'], `${shown}.exposure`)}: is set but the cluster's mode is remote-write; expected mode: sidecar, or no exposure`,
        );
      }
      if (!t.credentialsSecret) {
        problems.push(
          `${at(base, `${shown}.credentialsSecret`)}: is required with mode: remote-write; expected an existing Secret with username and password for the central Thanos Receive (after merging defaults)`,
        );
      }
      if (t.agent && c.alertmanager?.enabled) {
        problems.push(
          `${at([...base, 'agent'], `${shown}.agent`)}: true is not valid with alertmanager.enabled: true; expected agent: false (an agent evaluates no rules, so its Alertmanager would never get an alert), or no Alertmanager`,
        );
      }
    }
  });
  if (pushing.length > 0 && !inv.central.thanos.receive?.ingress) {
    const path = inv.central.thanos.receive ? ['central', 'thanos', 'receive'] : ['central', 'thanos'];
    problems.push(
      `${at(path, 'central.thanos.receive.ingress')}: is required; expected the endpoint the remote-write clusters (${pushing.slice(0, 5).join(', ')}${pushing.length > 5 ? `, and ${pushing.length - 5} more` : ''}) push to, with TLS and basic authentication`,
    );
  }
  // What Thanos refuses at start (thanos/thanos-checks.ts), as CentralThanos's props report it.
  for (const p of thanosComponentProblems(inv.central.thanos)) {
    const path = ['central', 'thanos', ...p.path];
    problems.push(`${at(path, formatPath(path))}: ${p.text}`);
  }
  return problems;
}
