import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSafeRelative, OUTPUT_MARKER } from './outdir';
import { compareStrings } from '../compare';

/** Larger than any file CMM writes: a listed file above it is not read (and so differs). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The files of an earlier CMM output (those its marker lists), by relative path; empty when the folder does not
 * exist. Throws when the folder exists but is not a CMM output (no marker).
 */
export function readOutputFolder(outdir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(outdir)) return out;
  const marker = path.join(outdir, OUTPUT_MARKER);
  if (!fs.existsSync(marker)) {
    if (fs.readdirSync(outdir).length === 0) return out;
    throw new Error(`${outdir} is not a CMM output folder (it has no ${OUTPUT_MARKER})`);
  }
  const listed = fs
    .readFileSync(marker, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const rel of listed) {
    // The marker is a file in the user's tree: only paths inside the folder, and only regular files (not a link
    // out of it, a FIFO that would block, or something huge) are read; anything else counts as absent.
    if (!isSafeRelative(rel)) continue;
    const file = path.join(outdir, rel);
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat?.isFile() && stat.size <= MAX_FILE_BYTES) out.set(rel, fs.readFileSync(file, 'utf8'));
  }
  return out;
}

/**
 * How an output folder differs from what the synth gives: `changed`, `missing` (the synth writes it, the folder
 * lacks it) and `extra` (the folder has it, the synth does not write it), each sorted. `under` limits the
 * comparison to one folder (`<cluster>/`).
 */
export function compareOutput(
  existing: ReadonlyMap<string, string>,
  wanted: ReadonlyMap<string, string>,
  under?: string,
): { changed: string[]; missing: string[]; extra: string[] } {
  const inScope = (f: string) => under === undefined || f.startsWith(`${under}/`);
  const changed: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [f, text] of wanted) {
    if (!inScope(f)) continue;
    const have = existing.get(f);
    if (have === undefined) missing.push(f);
    else if (have !== text) changed.push(f);
  }
  for (const f of existing.keys()) if (inScope(f) && !wanted.has(f)) extra.push(f);
  return { changed: changed.sort(), missing: missing.sort(), extra: extra.sort() };
}

/**
 * The output of a synth limited to one cluster's folder: the earlier output with that folder's files replaced by
 * the new ones (and the fleet's README.md renewed); every other folder as it was.
 */
export function mergeClusterOutput(
  existing: ReadonlyMap<string, string>,
  wanted: ReadonlyMap<string, string>,
  cluster: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [f, text] of existing) if (!f.startsWith(`${cluster}/`) && f !== 'README.md') out.set(f, text);
  for (const [f, text] of wanted) if (f.startsWith(`${cluster}/`) || f === 'README.md') out.set(f, text);
  return new Map([...out.entries()].sort(([a], [b]) => compareStrings(a, b)));
}
