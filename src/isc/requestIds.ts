import { AsyncLocalStorage } from 'node:async_hooks';

/** The response headers in which ISC (and proxies before it) name a request for support; the first present wins. */
const REQUEST_ID_HEADERS = ['slpt-request-id', 'x-request-id'];

export function requestIdOf(res: { header(name: string): string | undefined }): string | undefined {
  return REQUEST_ID_HEADERS.map((name) => res.header(name)?.trim()).find(Boolean);
}

const collected = new AsyncLocalStorage<string[]>();

/**
 * Runs `work`, collecting the request ids ISC answered its writes (POST, PATCH) with: what the audit
 * trail records of a decision that succeeded, so ISC's support can find it.
 */
export async function collectWriteRequestIds<T>(work: () => Promise<T>): Promise<{ result: T; requestIds: string[] }> {
  const requestIds: string[] = [];
  const result = await collected.run(requestIds, work);
  return { result, requestIds };
}

/** Called by the HTTP layer for every answered request. */
export function noteRequestId(method: string, requestId: string | undefined): void {
  if (requestId && method !== 'GET' && method !== 'HEAD') collected.getStore()?.push(requestId);
}
