/**
 * A validated flow graph and what derives from it: the topological order, the levels (a
 * backfill's phases), downstream closures (what becomes stale). Built from any list of
 * definitions, so tests can build graphs of their own; the product's graph is `registry.ts`.
 */
import type { FlowDefinition, FlowKind } from './types';

/** A SQL identifier we create tables and columns from (lower case, no quoting games). */
const SQL_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
/** A flow name: lower case words joined by dashes, e.g. `features-c`. */
export const FLOW_ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Key columns of a series table (`day` keys PostgreSQL's day rows, see `src/db/pg-day-layout.ts`). */
const KEY_COLUMNS = new Set(['symbol', 'ts', 'day']);
/** PostgreSQL's 63-character identifiers, less the `_days_pk` its day table's key adds. */
const MAX_TABLE_NAME = 55;

/** A graph whose definitions were checked: unique ids, known upstreams, acyclic, valid identifiers. */
export interface FlowGraph<Id extends string = string> {
  /** Every flow (retired ones too), in topological order (upstreams first; ties in registry order). */
  readonly flows: ReadonlyArray<FlowDefinition<Id>>;
  /** Look a flow up by id. */
  get(id: string): FlowDefinition<Id> | undefined;
  /** The active (not retired) flows, in topological order. */
  readonly active: ReadonlyArray<FlowDefinition<Id>>;
}

/** Thrown when a graph is invalid; the message names the offending flow. */
export class FlowGraphError extends Error {
  override readonly name = 'FlowGraphError';
}

/**
 * Validates definitions and returns the graph. Evaluate flows get every active feature flow as
 * upstream. Throws {@link FlowGraphError} naming the flow at fault.
 */
export function buildFlowGraph<Id extends string>(definitions: ReadonlyArray<FlowDefinition<Id>>): FlowGraph<Id> {
  const byId = new Map<string, FlowDefinition<Id>>();
  const assets = new Map<string, string>();
  for (const def of definitions) {
    if (!FLOW_ID_PATTERN.test(def.id)) throw new FlowGraphError(`flow '${def.id}': id must be lower-case words joined by '-', e.g. features-e`);
    if (byId.has(def.id)) throw new FlowGraphError(`flow '${def.id}' is declared twice`);
    if (!SQL_IDENTIFIER.test(def.asset)) throw new FlowGraphError(`flow '${def.id}': table '${def.asset}' is not a valid SQL identifier (a-z, 0-9, _)`);
    // On PostgreSQL a table `x` is stored as `x_days`: another flow's table must not take that name.
    if (def.asset.length > MAX_TABLE_NAME) throw new FlowGraphError(`flow '${def.id}': table '${def.asset}' is longer than ${MAX_TABLE_NAME} characters (PostgreSQL names it '<table>_days_pk' too)`);
    if (def.asset.endsWith('_days')) throw new FlowGraphError(`flow '${def.id}': table '${def.asset}' ends in '_days', which names PostgreSQL's day rows of another table`);
    const other = assets.get(def.asset);
    if (other) throw new FlowGraphError(`flow '${def.id}': table '${def.asset}' is already the table of flow '${other}'`);
    assets.set(def.asset, def.id);
    const seen = new Set<string>();
    for (const column of def.columns) {
      if (!SQL_IDENTIFIER.test(column)) throw new FlowGraphError(`flow '${def.id}': column '${column}' is not a valid SQL identifier (a-z, 0-9, _)`);
      if (KEY_COLUMNS.has(column)) throw new FlowGraphError(`flow '${def.id}': column '${column}' is reserved`);
      if (seen.has(column)) throw new FlowGraphError(`flow '${def.id}': column '${column}' is declared twice`);
      seen.add(column);
    }
    if (!def.version.trim()) throw new FlowGraphError(`flow '${def.id}': version must not be empty`);
    if (!Number.isInteger(def.lookbackMinutes) || def.lookbackMinutes < 0) throw new FlowGraphError(`flow '${def.id}': lookbackMinutes must be a whole number >= 0`);
    if (def.kind === 'features' && !def.algorithm) throw new FlowGraphError(`flow '${def.id}': a features flow needs its algorithm`);
    byId.set(def.id, def);
  }
  const activeFeatures = definitions.filter((d) => d.kind === 'features' && !d.retired).map((d) => d.id);
  const resolved = definitions.map((def) => (def.kind === 'evaluate' ? { ...def, upstream: [...def.upstream, ...activeFeatures] } : def));
  for (const def of resolved) {
    for (const up of def.upstream) {
      const target = byId.get(up);
      if (!target) throw new FlowGraphError(`flow '${def.id}': upstream '${up}' is not a declared flow`);
      if (target.kind === 'evaluate') throw new FlowGraphError(`flow '${def.id}': upstream '${up}' is an evaluation; flows can only read candles and features`);
      if (target.retired && !def.retired) throw new FlowGraphError(`flow '${def.id}' reads '${up}', which is retired; retire '${def.id}' too or keep '${up}'`);
    }
  }
  const ordered = topologicalOrder(resolved);
  const index = new Map<string, FlowDefinition<Id>>(ordered.map((d) => [d.id, d]));
  return { flows: ordered, active: ordered.filter((d) => !d.retired), get: (id) => index.get(id) };
}

/** Kahn's algorithm, taking ready flows in declaration order; throws naming a flow on a cycle. */
function topologicalOrder<Id extends string>(definitions: ReadonlyArray<FlowDefinition<Id>>): Array<FlowDefinition<Id>> {
  const remaining = new Map(definitions.map((d) => [d.id as string, new Set(d.upstream)]));
  const out: Array<FlowDefinition<Id>> = [];
  while (out.length < definitions.length) {
    const next = definitions.find((d) => remaining.get(d.id)?.size === 0);
    if (!next) {
      const stuck = definitions.find((d) => remaining.has(d.id));
      throw new FlowGraphError(`flow '${stuck?.id}' is part of a cycle: ${[...(remaining.get(stuck?.id ?? '') ?? [])].join(', ')} depend on it, directly or not`);
    }
    remaining.delete(next.id);
    for (const ups of remaining.values()) ups.delete(next.id);
    out.push(next);
  }
  return out;
}

/** A node of a graph as far as ordering goes: enough for levels and downstream closures. */
export interface GraphNode {
  readonly id: string;
  readonly kind: FlowKind;
  readonly upstream: readonly string[];
}

/**
 * The graph's levels: level 0 holds flows without upstreams, level k the flows whose deepest
 * upstream is in level k-1. A backfill runs them as phases, one lane each. Upstreams outside
 * `nodes` are ignored (a backfill of features alone reads candles that already exist).
 */
export function levelsOf<N extends GraphNode>(nodes: readonly N[]): N[][] {
  const ids = new Set(nodes.map((n) => n.id));
  const level = new Map<string, number>();
  const levelOf = (n: N): number => {
    const known = level.get(n.id);
    if (known !== undefined) return known;
    let l = 0;
    for (const up of n.upstream) {
      if (!ids.has(up)) continue;
      const u = nodes.find((m) => m.id === up);
      if (u) l = Math.max(l, levelOf(u) + 1);
    }
    level.set(n.id, l);
    return l;
  };
  const out: N[][] = [];
  for (const n of nodes) (out[levelOf(n)] ??= []).push(n);
  return out.filter((l) => l !== undefined);
}

/** The name of a level in progress text: its kind (`features`), numbered when several levels share it. */
export function levelNames(levels: ReadonlyArray<readonly GraphNode[]>): string[] {
  const kindOf = (l: readonly GraphNode[]): string => (l.every((n) => n.kind === l[0].kind) ? l[0].kind : l.map((n) => n.id).join('+'));
  const kinds = levels.map(kindOf);
  return kinds.map((k, i) => (kinds.filter((x) => x === k).length > 1 ? `${k} ${kinds.slice(0, i + 1).filter((x) => x === k).length}` : k));
}

/** Every flow that reads `id`, directly or through others (not `id` itself). */
export function downstreamOf(nodes: readonly GraphNode[], id: string): string[] {
  const out = new Set<string>();
  const visit = (cur: string): void => {
    for (const n of nodes) {
      if (n.upstream.includes(cur) && !out.has(n.id)) {
        out.add(n.id);
        visit(n.id);
      }
    }
  };
  visit(id);
  return nodes.filter((n) => out.has(n.id)).map((n) => n.id);
}

/** `selected` plus every transitive upstream of them with `withUpstream`, in the nodes' order. */
export function closureOf(nodes: readonly GraphNode[], selected: readonly string[], withUpstream: boolean): string[] {
  const out = new Set(selected);
  if (withUpstream) {
    const visit = (id: string): void => {
      for (const up of nodes.find((n) => n.id === id)?.upstream ?? []) {
        if (!out.has(up)) {
          out.add(up);
          visit(up);
        }
      }
    };
    selected.forEach(visit);
  }
  return nodes.filter((n) => out.has(n.id)).map((n) => n.id);
}
