import type { Resources } from './agent/props';

/** A CPU quantity (`500m`, `0.5`, `2`) in millicores. */
export function millicores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

const MEMORY_UNITS: Record<string, number> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
  k: 1000 / 1048576,
  M: 1000000 / 1048576,
  G: 1000000000 / 1048576,
};

/** A memory quantity (`512Mi`, `2Gi`, `1G`) in mebibytes, rounded up. */
export function mebibytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) throw new Error(`memory quantity ${JSON.stringify(q)} is not valid`);
  const unit = m[2] === '' ? 1 / 1048576 : MEMORY_UNITS[m[2]];
  if (unit === undefined) throw new Error(`memory quantity ${JSON.stringify(q)}: unit ${m[2]} is not supported`);
  return Math.ceil(Number(m[1]) * unit);
}

/** A container's `resources`, as cdk8s-plus writes them: CPU in millicores, memory in mebibytes. */
export function resourceRequirements(r: Resources): Record<string, Record<string, string>> {
  const list = (l?: { cpu?: string; memory?: string }) => ({
    ...(l?.cpu !== undefined ? { cpu: `${millicores(l.cpu)}m` } : {}),
    ...(l?.memory !== undefined ? { memory: `${mebibytes(l.memory)}Mi` } : {}),
  });
  const limits = list(r.limits);
  const requests = list(r.requests);
  return {
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
  };
}
