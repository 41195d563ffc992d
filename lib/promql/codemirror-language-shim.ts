/**
 * Stands in for `@codemirror/language` when codemirror-promql's `Parser` runs outside an editor.
 *
 * The Parser reads its syntax tree through `syntaxTree(state)` and the query text through `state.sliceDoc()`;
 * nothing else of the editor. The synth bundle (scripts/build.mjs) and Jest (package.json) map the
 * `@codemirror/language` import to this file, and `checkPromQL` passes a state holding the parsed tree, so no
 * editor code is loaded.
 */
import type { Tree } from '@lezer/common';

/** What the Parser needs of an editor state. */
export interface ParserState {
  readonly tree: Tree;
  sliceDoc(from?: number, to?: number): string;
}

export function syntaxTree(state: ParserState): Tree {
  return state.tree;
}
