/**
 * Prepares a Temporal namespace for featureflow (idempotent): creates the namespace on a
 * self-hosted cluster when it is missing and registers the custom search attributes.
 * The dev server gets both at start; a self-hosted cluster gets them from `featureflow setup`
 * (or `npm run stack -- up`). Temporal Cloud creates namespaces and their attributes in its UI
 * or with `tcld`, so there a missing namespace is reported with what to do instead.
 */
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes';

const INDEXED_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** How long a namespace created here keeps closed runs' histories (the dev server keeps them as long). */
export const NAMESPACE_RETENTION_DAYS = 3;

/** The server's namespace registry refreshes every 2 s (dynamic config `system.namespaceCacheRefreshInterval`). */
const REGISTRY_REFRESH_MS = 2_500;

/** gRPC status codes the namespace calls answer with (the standard numbering). */
const grpcStatus = { NOT_FOUND: 5, ALREADY_EXISTS: 6 } as const;

const grpcCode = (err: unknown): number | undefined => (err as { code?: number }).code;

/** True for Temporal Cloud addresses, where namespaces are created in the Cloud UI or with tcld. */
export function isTemporalCloud(address: string): boolean {
  return /\.tmprl\.cloud(:\d+)?$/i.test(address);
}

/** Creates `namespace` when it does not exist; returns true when it did so. */
export async function ensureNamespace(connection: Connection, namespace: string, address: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if (grpcCode(err) !== grpcStatus.NOT_FOUND) throw err;
  }
  if (isTemporalCloud(address)) {
    throw new Error(
      `namespace ${namespace} does not exist on Temporal Cloud (${address}); create it in the Cloud UI or with ` +
        `\`tcld namespace create --namespace ${namespace} ...\`, register the search attributes there ` +
        `(${SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`).join(', ')}), then run featureflow setup again`,
    );
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'featureflow',
      workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION_DAYS * 86_400_000),
    });
  } catch (err) {
    if (grpcCode(err) === grpcStatus.ALREADY_EXISTS) return false;
    throw new Error(`could not create namespace ${namespace} on ${address}: ${(err as Error).message} (a self-hosted cluster needs an operator's permissions)`);
  }
  // Until every service's registry has it, starts and attribute registration fail with NotFound.
  await new Promise((resolve) => setTimeout(resolve, REGISTRY_REFRESH_MS));
  return true;
}

/** Adds whichever featureflow search attributes the namespace lacks; returns the names added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = SEARCH_ATTRIBUTES.filter((a) => !known.has(a.name));
  if (missing.length) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_TYPES[a.type]])),
    });
    // SQL visibility keeps the attributes' column mapping in the namespace record: same refresh.
    await new Promise((resolve) => setTimeout(resolve, REGISTRY_REFRESH_MS));
  }
  return missing.map((a) => a.name);
}
