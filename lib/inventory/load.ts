import { Composer, isMap, isScalar, LineCounter, parseDocument, Parser, type CST, type Node } from 'yaml';
import { MAX_NESTING_DEPTH } from './json';
import { ValidationError, validate, type Locate } from './errors';
import { clusterConfig, inventory, type ClusterConfig, type ClusterDefaults, type Inventory } from './schema';

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
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  // Composing nests as deep as the text does: refuse absurd nesting before it can overflow the stack.
  const deep = tooDeep(tokens, MAX_NESTING_DEPTH);
  if (deep !== undefined) {
    throw new ValidationError(fileName, [
      `${pos(deep)}: nested more than ${MAX_NESTING_DEPTH} levels deep; expected at most ${MAX_NESTING_DEPTH} (an inventory needs about 10)`,
    ]);
  }
  const docs = [
    ...new Composer({ prettyErrors: false, merge: true, uniqueKeys: true }).compose(tokens, true, text.length),
  ];
  if (docs.length > 1) {
    throw new ValidationError(fileName, [
      `${pos(docs[1].range[0])}: a second YAML document (after "---"); expected one document`,
    ]);
  }
  const doc = docs[0] ?? parseDocument('');
  if (doc.errors.length > 0) {
    throw new ValidationError(
      fileName,
      doc.errors.map((e) => `${pos(e.pos[0])}: ${e.message.split('\n')[0]}`),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || data === undefined) {
    throw new ValidationError(fileName, [
      `${fileName}: the file is empty; expected a mapping with central: and clusters:`,
    ]);
  }
  const locate: Locate = (path, keyOnly) => {
    const node = nodeAt(doc.contents, path, keyOnly);
    return node?.range ? pos(node.range[0]) : undefined;
  };
  const inv = validate(inventory, data, fileName, { locate });
  // Each cluster's merged settings must be complete (e.g. a monitor's selector may come from defaults).
  const problems: string[] = [];
  const merged = resolveClusters(inv);
  merged.forEach((cluster, i) => {
    try {
      validate(clusterConfig, cluster, fileName, { locate, basePath: ['clusters', i] });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      problems.push(...e.problems.map((p) => `${p} (after merging defaults)`));
    }
  });
  if (problems.length > 0) throw new ValidationError(fileName, problems);
  // The central Grafana needs at least one Prometheus it can reach.
  const reachable = merged.some((c) => c.name === inv.central.cluster || c.prometheus?.exposure?.type === 'ingress');
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
  if (logProblems.length > 0) throw new ValidationError(fileName, logProblems);
  if (!reachable) {
    const where = locate(['central', 'cluster'], false);
    throw new ValidationError(fileName, [
      `${where ? `${where}: ` : ''}central.cluster: ${JSON.stringify(inv.central.cluster)} is not in clusters[] and no cluster sets prometheus.exposure; expected the central cluster to be monitored too, or a cluster exposed with prometheus.exposure.type: ingress, so Grafana has a datasource`,
    ]);
  }
  return inv;
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

/** The YAML node at `path` (the key node when `keyOnly`), or the nearest ancestor that exists. */
function nodeAt(root: unknown, path: readonly PropertyKey[], keyOnly: boolean): Node | undefined {
  let node = root as Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (!node || !('items' in node)) return node;
    const items = (node as unknown as { items: unknown[] }).items;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
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
