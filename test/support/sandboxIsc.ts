import { createIscClient, type IscClientHandle } from '../../src/isc/client';
import { silentLogger } from '../../src/log';
import { startSandboxTenant, type SandboxTenant } from '../../src/sandbox/tenant';

export interface SandboxIsc {
  sandbox: SandboxTenant;
  /** The bot's client: the service identity, an admin. */
  isc: IscClientHandle;
}

/** A fresh sandbox tenant for each test of the enclosing block, on the clock `now`, with the bot's ISC client on it. */
export function useSandboxIsc(now: () => Date): () => SandboxIsc {
  let current: SandboxIsc | undefined;
  beforeEach(async () => {
    const sandbox = await startSandboxTenant({ logger: silentLogger, now });
    current = { sandbox, isc: createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret }) };
  });
  afterEach(() => current?.sandbox.close());
  return () => current!;
}

/** Approves every item of a certification and signs it off, as its reviewer would in ISC (at most 250 items). */
export async function completeCertification(isc: IscClientHandle, id: string): Promise<void> {
  const items = (await isc.certifications.listIdentityAccessReviewItems(id, { limit: 250 })).items;
  await isc.certifications.makeIdentityDecision(id, items.map((i) => ({ id: i.id!, decision: 'APPROVE', bulk: true })));
  await isc.certifications.signOffIdentityCertification(id);
}
