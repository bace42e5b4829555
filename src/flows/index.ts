/** The flow graph: declarations (`registry.ts`), validation and derivations (`graph.ts`), run snapshots (`snapshot.ts`). */
export * from './types';
export * from './define';
export * from './graph';
export * from './registry';
export * from './snapshot';
