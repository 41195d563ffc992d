import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The output folder: where a synth may write, and how it replaces the folder's content without losing anything.
 *
 * - CMM writes only into a folder that is absent, empty, or an earlier CMM output (it holds the marker file
 *   {@link OUTPUT_MARKER}, which lists every file CMM wrote there). Anything else is refused before a byte is
 *   written: the working directory, a project folder (`.git`, `package.json`), a folder holding the inventory or a
 *   dashboard file, `/`, the home folder, a file, a read-only folder, a folder with files CMM did not write.
 * - The new content is written beside the old one and swapped in by renames recorded in a journal: the folder is the
 *   old or the new version; a run killed during the swap is finished by the next run, which also removes what killed
 *   runs left behind.
 * - A lock file serializes runs that write the same folder.
 * - A symbolic link stays a link (its target is replaced); a mount point stays mounted (its entries are swapped).
 */

/** The file that marks a folder as CMM's output and lists the files CMM wrote there. */
export const OUTPUT_MARKER = '.cmm-output';

const MARKER_HEADER = [
  '# Written by CMM: this folder is its output, replaced whole by every synth.',
  '# CMM writes only into a folder that holds nothing but the files listed here.',
];

/** The folder cannot be used, or writing it failed. `changed` tells whether the folder was modified. */
export class OutputFolderError extends Error {
  constructor(
    message: string,
    /** Whether the output folder changed before the failure (then `message` says in what state it is). */
    public readonly changed = false,
  ) {
    super(message);
    this.name = 'OutputFolderError';
  }
}

export interface OutputFolderOptions {
  /** Files the output folder must never be, nor hold: the inventory and the dashboard files. @default - none */
  readonly protect?: readonly string[];
  /** The working directory, which the output folder must not be nor hold. @default process.cwd() */
  readonly cwd?: string;
  /** The home folder, which is never an output folder. @default os.homedir() */
  readonly home?: string;
  /** How long to wait for another run that writes the same folder. @default 60_000 */
  readonly lockTimeoutMs?: number;
  /** Called at each step of a write (`staged`, `journal`, `out:<name>`, `in:<name>`, `done`); for tests. */
  readonly onStep?: (step: string) => void;
}

/** What a write did. */
export interface WriteReport {
  /** The folder written (symbolic links resolved). */
  readonly folder: string;
  /** Problems that did not stop the write, e.g. an old version that could not be removed. */
  readonly warnings: readonly string[];
}

/** Where the output goes, once checked: `real` is the folder with symbolic links resolved. */
interface Target {
  readonly shown: string;
  readonly real: string;
  readonly exists: boolean;
}

/**
 * Checks that `outdir` may be CMM's output folder, without changing anything. Throws an {@link OutputFolderError}
 * whose message says why not and what to do. Run before the synth, so a wrong folder is reported before any work;
 * {@link writeOutputFolder} checks again, under the lock.
 */
export function checkOutputFolder(outdir: string, options: OutputFolderOptions = {}): void {
  const target = resolveTarget(outdir);
  checkPath(target, options);
  checkContent(target);
}

/**
 * Writes `files` (relative path → content) as the whole content of `outdir`, plus the marker listing them. Checks
 * the folder first (see {@link checkOutputFolder}; also that it holds only files of an earlier CMM output), then
 * writes the new version beside the old one and swaps it in. Throws an {@link OutputFolderError}; unless its
 * `changed` is true, the folder is as it was.
 */
export function writeOutputFolder(
  outdir: string,
  files: ReadonlyMap<string, string>,
  options: OutputFolderOptions = {},
): WriteReport {
  const target = resolveTarget(outdir);
  checkPath(target, options);
  for (const rel of files.keys()) {
    if (!isSafeRelative(rel) || rel === OUTPUT_MARKER) {
      throw new OutputFolderError(`cannot write ${JSON.stringify(rel)}: not a relative path inside the output folder`);
    }
  }

  const created: string[] = [];
  const step = options.onStep ?? (() => undefined);
  const warnings: string[] = [];
  let release: (() => void) | undefined;
  try {
    const layout = layoutFor(target, created);
    release = acquireLock(layout, target, options.lockTimeoutMs ?? 60_000);
    warnings.push(...recover(layout));
    // Again under the lock: before it, another run may have been swapping the folder (briefly absent).
    checkPath({ ...target, exists: fs.existsSync(target.real) }, options);
    checkContent(target);
    const staging = fs.mkdtempSync(path.join(layout.dir, `${layout.prefix}new-${process.pid}-`));
    try {
      const root = layout.whole ? path.join(staging, path.basename(target.real)) : staging;
      writeTree(root, files);
      step('staged');
    } catch (e) {
      removeQuietly(staging);
      throw new OutputFolderError(`cannot write the new output beside ${target.shown}: ${reason(e)}`);
    }
    swap(layout, target, staging, step, warnings);
  } catch (e) {
    release?.();
    release = undefined;
    if (!(e instanceof OutputFolderError && e.changed)) removeCreated(created);
    throw e instanceof OutputFolderError ? e : new OutputFolderError(`cannot write ${target.shown}: ${reason(e)}`);
  } finally {
    release?.();
  }
  return { folder: target.real, warnings };
}

/** The marker's content: a header and every file, sorted. */
export function markerContent(files: Iterable<string>): string {
  return `${[...MARKER_HEADER, ...[...files].sort()].join('\n')}\n`;
}

function resolveTarget(outdir: string, retries = 3): Target {
  const shown = outdir === '' || outdir.trim() !== outdir ? JSON.stringify(outdir) : outdir;
  if (outdir.trim() === '') {
    throw new OutputFolderError(
      `cannot use ${shown} as the output folder: it is empty; give a folder of its own, e.g. --outdir dist`,
    );
  }
  const abs = path.resolve(outdir);
  // Resolve symbolic links in the part of the path that exists, so a linked output folder stays a link.
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch (e) {
      if (code(e) !== 'ENOENT' || path.dirname(existing) === existing) throw cannotUse(shown, reason(e));
      rest.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  let real: string;
  try {
    real = path.join(fs.realpathSync(existing), ...rest);
  } catch (e) {
    // Gone since lstat: another run is swapping the folder in; it is back in a moment.
    if (code(e) === 'ENOENT' && fs.lstatSync(existing, { throwIfNoEntry: false }) === undefined && retries > 0) {
      return resolveTarget(outdir, retries - 1);
    }
    throw cannotUse(shown, `it is a symbolic link to a folder that does not exist (${reason(e)})`);
  }
  return { shown, real, exists: rest.length === 0 };
}

function checkPath(target: Target, options: OutputFolderOptions): void {
  const { real, shown } = target;
  const cwd = realOrResolved(options.cwd ?? process.cwd());
  const home = realOrResolved(options.home ?? os.homedir());
  const refuse = (why: string, todo = 'give a folder of its own, e.g. --outdir dist') =>
    cannotUse(shown, `${why}; CMM replaces the whole output folder, so ${todo}`);
  if (path.parse(real).root === real) throw refuse('it is the root folder');
  if (real === home) throw refuse('it is your home folder');
  if (real === cwd) throw refuse('it is the current directory');
  if (isInside(cwd, real)) throw refuse('it holds the current directory');
  for (const p of options.protect ?? []) {
    const file = realOrResolved(p);
    if (file === real) throw refuse(`it is ${p}, which CMM reads`);
    if (isInside(file, real)) throw refuse(`it holds ${p}, which CMM reads`);
  }
  if (!target.exists) return;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch (e) {
    // Another run is swapping it in (checked again under the lock).
    if (code(e) === 'ENOENT') return;
    throw e;
  }
  if (!stat.isDirectory()) throw refuse('it is a file, not a folder');
  for (const project of ['.git', 'package.json']) {
    if (fs.existsSync(path.join(real, project))) throw refuse(`it holds ${project}: it is a project folder`);
  }
  if ((stat.mode & 0o222) === 0) {
    throw cannotUse(shown, 'it is read-only; make it writable (chmod u+w) or give another folder');
  }
}

/**
 * Where the swap happens. Normally the folder itself is replaced, in its parent (`whole`); a mount point cannot be
 * renamed, so there its entries are replaced, inside it. `prefix` names the lock, journal and temporary folders.
 */
interface Layout {
  readonly whole: boolean;
  readonly dir: string;
  readonly prefix: string;
}

function layoutFor(target: Target, created: string[]): Layout {
  const parent = path.dirname(target.real);
  if (!target.exists) {
    mkdirTracked(parent, created);
    return { whole: true, dir: parent, prefix: `.${path.basename(target.real)}.cmm-` };
  }
  let dev: number;
  try {
    dev = fs.statSync(target.real).dev;
  } catch (e) {
    // Another run is swapping it in: a folder that can be swapped is not a mount point.
    if (code(e) === 'ENOENT') return { whole: true, dir: parent, prefix: `.${path.basename(target.real)}.cmm-` };
    throw e;
  }
  const mountPoint = dev !== fs.statSync(parent).dev;
  return mountPoint
    ? { whole: false, dir: target.real, prefix: '.cmm-' }
    : { whole: true, dir: parent, prefix: `.${path.basename(target.real)}.cmm-` };
}

/** Creates `dir` and its missing parents, recording each one created (to remove them again on failure). */
function mkdirTracked(dir: string, created: string[]): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      throw new OutputFolderError(`cannot create the folder ${d}: ${reason(e)}`);
    }
    created.push(d);
  }
}

function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      fs.rmdirSync(d);
    } catch {
      // Not empty (someone else wrote there) or gone: leave it.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The lock

interface LockHolder {
  readonly pid: number;
  readonly host: string;
}

/** Takes the lock of the folder, waiting for another run that holds it; returns the function that releases it. */
function acquireLock(layout: Layout, target: Target, timeoutMs: number): () => void {
  const lock = path.join(layout.dir, `${layout.prefix}lock`);
  const me: LockHolder = { pid: process.pid, host: os.hostname() };
  const mine = `${lock}.${process.pid}`;
  try {
    fs.writeFileSync(mine, `${JSON.stringify(me)}\n`);
  } catch (e) {
    throw new OutputFolderError(`cannot write into ${target.shown}: ${reason(e)}`);
  }
  const started = Date.now();
  try {
    for (;;) {
      try {
        // link() fails if the lock exists: taking it is atomic, and a lock is never seen half written.
        fs.linkSync(mine, lock);
        break;
      } catch (e) {
        if (code(e) !== 'EEXIST') throw new OutputFolderError(`cannot lock ${target.shown}: ${reason(e)}`);
      }
      const holder = readHolder(lock);
      if (holder === undefined || (holder.host === me.host && !isAlive(holder.pid))) {
        // Left by a run that was killed: take it over (renamed away first, so two runs cannot both remove it).
        const stale = `${lock}.stale-${process.pid}`;
        try {
          fs.renameSync(lock, stale);
          fs.rmSync(stale, { force: true });
        } catch {
          // Another run took it over first; try again.
        }
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new OutputFolderError(
          `another synth (process ${holder.pid} on ${holder.host}) is writing ${target.shown}; wait for it to finish, or if no synth runs, delete ${lock}`,
        );
      }
      sleep(50);
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  return () => {
    const holder = readHolder(lock);
    if (holder?.pid === me.pid && holder.host === me.host) fs.rmSync(lock, { force: true });
  };
}

function readHolder(lock: string): LockHolder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(lock, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host } : undefined;
  } catch (e) {
    // Gone since: the next link() attempt tells. Unreadable or not ours: treat it as stale.
    return code(e) === 'ENOENT' ? { pid: process.pid, host: os.hostname() } : undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------------------------------
// The content of the folder

/** Throws unless the folder holds only an earlier CMM output (or nothing). */
function checkContent(target: Target): void {
  if (!fs.existsSync(target.real)) return;
  const { files, links } = listTree(target.real);
  let foreign: string[];
  const markerFile = path.join(target.real, OUTPUT_MARKER);
  if (fs.existsSync(markerFile)) {
    const listed = new Set(
      fs
        .readFileSync(markerFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#')),
    );
    foreign = files.filter((f) => f !== OUTPUT_MARKER && !listed.has(f));
  } else {
    // Written by CMM before the marker existed: <cluster>/[setup/]<kind>-<name>.yaml manifests with CMM's sync waves.
    foreign = files.filter((f) => !looksLikeEarlyOutput(path.join(target.real, f), f));
  }
  foreign.push(...links);
  if (foreign.length > 0) {
    const shown = foreign
      .slice(0, 3)
      .map((f) => JSON.stringify(f))
      .join(', ');
    const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
    throw cannotUse(
      target.shown,
      `it holds files CMM did not write (${shown}${more}); CMM replaces the whole output folder, so move them out or give another folder, e.g. --outdir dist`,
    );
  }
}

const EARLY_OUTPUT_FILE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/(setup\/)?([0-9]{2}-)?[a-z0-9]+-[a-z0-9.-]+\.yaml$/;

function looksLikeEarlyOutput(file: string, rel: string): boolean {
  if (!EARLY_OUTPUT_FILE.test(rel)) return false;
  const text = fs.readFileSync(file, 'utf8');
  return text.startsWith('apiVersion: ') && /\n {4}argocd\.argoproj\.io\/sync-wave: "-?1"\n/.test(text);
}

/** Every file (relative, `/`-separated) and symbolic link under `root`, leaving out CMM's own temporary entries. */
function listTree(root: string): { files: string[]; links: string[] } {
  const files: string[] = [];
  const links: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && isTransient(entry.name, '.cmm-')) continue;
      if (entry.isSymbolicLink()) links.push(p);
      else if (entry.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk('');
  return { files, links };
}

function isTransient(name: string, prefix: string): boolean {
  return (
    name.startsWith(`${prefix}new-`) ||
    name.startsWith(`${prefix}old-`) ||
    name.startsWith(`${prefix}lock`) ||
    name === `${prefix}journal` ||
    name.startsWith(`${prefix}journal.`)
  );
}

function writeTree(root: string, files: ReadonlyMap<string, string>): void {
  const dirs = new Set<string>();
  for (const rel of files.keys()) {
    for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  }
  fs.mkdirSync(root, { recursive: true });
  // Parents before children (sorted), each created once.
  for (const d of [...dirs].sort()) fs.mkdirSync(path.join(root, d));
  for (const [rel, content] of files) fs.writeFileSync(path.join(root, rel), content);
  fs.writeFileSync(path.join(root, OUTPUT_MARKER), markerContent(files.keys()));
}

// ---------------------------------------------------------------------------------------------------------------
// The swap and its journal

/** What a swap does, written before it starts, so that a killed run can be finished by the next one. */
interface Journal {
  /** Folder holding the new entries. */
  readonly staging: string;
  /** Folder the old entries are moved into. */
  readonly trash: string;
  /** Names the new version has, in `dir`. */
  readonly names: readonly string[];
  /** Names the old version has, in `dir`. */
  readonly old: readonly string[];
}

function swap(layout: Layout, target: Target, staging: string, step: (s: string) => void, warnings: string[]): void {
  const base = path.basename(target.real);
  const names = layout.whole ? [base] : fs.readdirSync(staging).sort();
  const old = layout.whole
    ? fs.existsSync(target.real)
      ? [base]
      : []
    : fs
        .readdirSync(target.real)
        .filter((n) => !isTransient(n, layout.prefix))
        .sort();
  const trash = path.join(layout.dir, `${layout.prefix}old-${path.basename(staging).slice(layout.prefix.length + 4)}`);
  const journal: Journal = { staging, trash, names, old };
  const journalFile = path.join(layout.dir, `${layout.prefix}journal`);
  try {
    fs.mkdirSync(trash);
    writeAtomically(journalFile, `${JSON.stringify(journal)}\n`);
  } catch (e) {
    removeQuietly(staging);
    removeQuietly(trash);
    throw new OutputFolderError(`cannot start replacing ${target.shown}: ${reason(e)}`);
  }
  step('journal');
  const done: [string, string][] = [];
  try {
    applyJournal(layout.dir, journal, (from, to, what) => {
      fs.renameSync(from, to);
      done.push([from, to]);
      step(what);
    });
  } catch (e) {
    // Undo what was done, newest first; if that fails too, the journal stays for the next run to finish the swap.
    try {
      for (const [from, to] of [...done].reverse()) fs.renameSync(to, from);
      fs.rmSync(journalFile, { force: true });
    } catch (undo) {
      throw new OutputFolderError(
        `replacing ${target.shown} failed (${reason(e)}) and could not be undone (${reason(undo)}); it holds part of the new version: run the synth again to finish it`,
        true,
      );
    }
    removeQuietly(staging);
    removeQuietly(trash);
    throw new OutputFolderError(`cannot replace ${target.shown}: ${reason(e)}`);
  }
  fs.rmSync(journalFile, { force: true });
  step('done');
  for (const leftover of [trash, staging]) {
    const problem = removeQuietly(leftover);
    if (problem) warnings.push(`could not remove ${leftover} (${problem}); the next synth removes it`);
  }
}

/**
 * Moves every old entry into the trash and every new entry into place. Idempotent: run again after an interruption
 * (by the next run, from the journal), it finishes what is left.
 */
function applyJournal(
  dir: string,
  j: Journal,
  move: (from: string, to: string, what: string) => void = (from, to) => fs.renameSync(from, to),
): void {
  const exists = (p: string) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  for (const name of j.names) {
    if (!exists(path.join(j.staging, name))) continue; // moved in already
    if (exists(path.join(dir, name))) move(path.join(dir, name), path.join(j.trash, name), `out:${name}`);
    move(path.join(j.staging, name), path.join(dir, name), `in:${name}`);
  }
  for (const name of j.old) {
    if (!j.names.includes(name) && exists(path.join(dir, name))) {
      move(path.join(dir, name), path.join(j.trash, name), `out:${name}`);
    }
  }
}

/**
 * Finishes a swap a killed run left half done, and removes the temporary folders and lock files of killed runs
 * (including those of CMM versions before the journal: `.<folder>.new-*`). Returns warnings.
 */
function recover(layout: Layout): string[] {
  const warnings: string[] = [];
  const journalFile = path.join(layout.dir, `${layout.prefix}journal`);
  if (fs.existsSync(journalFile)) {
    let journal: Journal;
    try {
      journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as Journal;
    } catch (e) {
      throw new OutputFolderError(`cannot read ${journalFile}, left by an interrupted synth: ${reason(e)}`);
    }
    try {
      fs.mkdirSync(journal.trash, { recursive: true });
      applyJournal(layout.dir, journal);
      fs.rmSync(journalFile);
    } catch (e) {
      throw new OutputFolderError(
        `cannot finish the synth that was interrupted while replacing the output (journal ${journalFile}): ${reason(e)}`,
        true,
      );
    }
  }
  const legacy = layout.whole ? new RegExp(`^${escapeRegExp(layout.prefix.slice(0, -'cmm-'.length))}new-`) : null;
  for (const entry of fs.readdirSync(layout.dir)) {
    const p = path.join(layout.dir, entry);
    const ours =
      entry.startsWith(`${layout.prefix}new-`) ||
      entry.startsWith(`${layout.prefix}old-`) ||
      (legacy !== null && legacy.test(entry));
    const staleLock = entry.startsWith(`${layout.prefix}lock.`) && !isAlive(Number(entry.split('.').pop()));
    if (ours || staleLock) {
      const problem = removeQuietly(p);
      if (problem) warnings.push(`could not remove ${p}, left by an interrupted synth (${problem})`);
    }
  }
  return warnings;
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function cannotUse(shown: string, why: string): OutputFolderError {
  return new OutputFolderError(`cannot use ${shown} as the output folder: ${why}`);
}

/** Removes a file or folder; returns the reason it could not, if so. */
function removeQuietly(p: string): string | undefined {
  try {
    fs.rmSync(p, { recursive: true, force: true });
    return undefined;
  } catch (e) {
    return reason(e);
  }
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `p` is strictly inside `dir`. */
function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A relative path that stays inside its folder: no `..`, no `.`, no empty or absolute part. */
export function isSafeRelative(rel: string): boolean {
  return rel !== '' && !rel.startsWith('/') && rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function reason(e: unknown): string {
  const c = code(e);
  const m = (e as Error | undefined)?.message ?? String(e);
  return c ? `${c}: ${m.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : m;
}
