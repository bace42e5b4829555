/**
 * Feature algorithms by id, derived from the flow registry (`src/flows/registry.ts`), the one
 * place algorithms are listed: an algorithm is registered by its registry line, never here.
 */
import type { AlgorithmId } from '../contracts';
import { FLOW_GRAPH } from '../flows/registry';
import type { FeatureAlgorithm } from './types';

export type { AlgorithmId } from '../contracts';

/** Every feature algorithm of the registry (retired ones too), by id. */
export const algorithms: Readonly<Record<string, FeatureAlgorithm>> = Object.fromEntries(
  FLOW_GRAPH.flows.flatMap((f) => (f.algorithm ? [[f.algorithm.id, f.algorithm]] : [])),
);

/** The registered ids, in registry order (for validation messages and iteration). */
export const algorithmIds = Object.keys(algorithms) as AlgorithmId[];

/** Type guard: whether `id` names a registered algorithm (own keys only, not `toString` & co). */
export function isAlgorithmId(id: string): id is AlgorithmId {
  return Object.prototype.hasOwnProperty.call(algorithms, id);
}

/**
 * Looks an algorithm up by id; throws an Error naming the valid ids for an unknown one, because
 * ids come from user input (CLI, workflow arguments) and a silent undefined would fail far away.
 */
export function getAlgorithm(id: string): FeatureAlgorithm {
  if (!isAlgorithmId(id)) {
    throw new Error(`Unknown feature algorithm '${id}'; valid ids: ${algorithmIds.join(', ')}`);
  }
  return algorithms[id];
}
