// `node dist/sandbox/main.js`: runs the demo tenant on its own (SANDBOX_PORT, default 4010), e.g. to try
// the ISC API with curl or to point a bot at it from another process.
import { createLogger } from '../log';
import { SEED_IDENTITIES } from './seed';
import { startSandboxTenant } from './tenant';

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT || 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SANDBOX_PORT must be a port number; got '${process.env.SANDBOX_PORT}'`);
  const tenant = await startSandboxTenant({ port, logger: createLogger('info') });
  const { ada, service } = SEED_IDENTITIES;
  process.stdout.write(
    [
      `Sandbox ISC tenant: ${tenant.url}`,
      `  client id:     ${tenant.clientId}`,
      `  client secret: ${tenant.clientSecret}`,
      `  token:         curl -s -X POST ${tenant.url}/oauth/token -d grant_type=client_credentials \\`,
      `                   -d client_id=${tenant.clientId} -d client_secret=${tenant.clientSecret}`,
      `  service identity (client credentials act as it): ${service.name} ${service.id}`,
      `  OAuth client for account linking: ${tenant.oauthClientId} / ${tenant.oauthClientSecret} (sign-in page at ${tenant.url}/oauth/authorize)`,
      `  demo approver: ${ada.name} <${ada.email}> ${ada.id}, with work items, access-request approvals and generic approvals:`,
      `    GET /work-items/v1?ownerId=${ada.id}`,
      `    GET /access-request-approvals/v1/pending?owner-id=${ada.id}`,
      `    GET /generic-approvals/v1?approverId=${ada.id}&filters=status eq "PENDING"`,
      `  any other email asked for with GET /public-identities/v1?filters=email eq "…" gets a demo identity with one item of each kind`,
      `  the legacy layout (/v3/work-items, /v2024/task-status, …) answers too, with X-Deprecated: true`,
      '',
    ].join('\n'),
  );
  const stop = () => void tenant.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
