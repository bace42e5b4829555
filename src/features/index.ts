/**
 * Registry of the feature algorithms: the single place that maps an id (as used in flow names,
 * tables and CLI arguments) to its implementation.
 */
import { featuresB } from './b';
import { featuresC } from './c';
import type { FeatureAlgorithm } from './types';

/** Every feature algorithm by id. `as const` keeps the literal keys for {@link AlgorithmId}. */
export const algorithms = { b: featuresB, c: featuresC } as const;

/** The id of a registered feature algorithm (`'b' | 'c'`). */
export type AlgorithmId = keyof typeof algorithms;

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
