/**
 * The layout rules of docs/architecture.md, checked on the source: no cycle in the runtime import
 * graph between the folders of src/ (each file at the top of src/ counts as its own unit;
 * `import type` is erased, so it does not count), and the pure folders (masks/, tokens/, grid/,
 * image/) import nothing from worker/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The unit a file belongs to: its top folder under src/, or the file itself at the top. */
const unitOf = (file: string) => relative(SRC, file).split('/')[0]!;

/** Edges unit -> units it imports from (relative imports only). */
function unitGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?! type )[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const to = unitOf(resolve(dirname(file), spec!));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** One cycle of the graph as a path, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (u: string): string[] | undefined => {
    state.set(u, 'open');
    stack.push(u);
    for (const v of graph.get(u) ?? []) {
      if (state.get(v) === 'open') return [...stack.slice(stack.indexOf(v)), v];
      if (!state.has(v)) {
        const found = visit(v);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(u, 'done');
    return undefined;
  };
  for (const u of graph.keys()) {
    const found = state.has(u) ? undefined : visit(u);
    if (found) return found;
  }
  return undefined;
}

describe('src/ layout', () => {
  const graph = unitGraph();

  it('reads the imports it checks', () => {
    expect(graph.get('tokens')?.has('masks')).toBe(true);
    expect(graph.get('worker')?.has('models')).toBe(true);
  });

  it('has no import cycle between folders', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a cycle when there is one', () => {
    const withCycle = new Map(graph);
    withCycle.set('masks', new Set([...(graph.get('masks') ?? []), 'tokens']));
    expect(findCycle(withCycle)).toEqual(expect.arrayContaining(['masks', 'tokens']));
  });

  it('keeps the pure folders free of the worker', () => {
    for (const pure of ['masks', 'tokens', 'grid', 'image']) expect([...(graph.get(pure) ?? [])]).not.toContain('worker');
  });
});
