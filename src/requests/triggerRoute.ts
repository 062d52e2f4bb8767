import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';

export const TRIGGER_PATH = '/isc/triggers';
/** ISC's access-request and provisioning events are a few kilobytes. */
export const TRIGGER_BODY_LIMIT = 256 * 1024;
/** Identities one event may ask to re-read: a real event names a requester and a few recipients. */
const MAX_IDENTITIES = 20;
const IDENTITY_ID = /^[0-9A-Za-z-]{1,64}$/;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Bearer <secret>, or Basic with <secret> as the password (ISC's trigger subscriptions offer both); compared in constant time. */
export function authorised(header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  let given: string | undefined;
  if (/^bearer$/i.test(scheme)) given = value;
  else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    given = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
  }
  // Hashes of equal length: the comparison takes the same time whatever was sent.
  return given !== undefined && timingSafeEqual(digest(given), digest(secret));
}

/**
 * The identities an "Access Request Decision" or "Provisioning Completed" event names (requester,
 * requested for, recipient). Nothing else of the payload is used: the bot re-reads those identities'
 * requests from ISC.
 */
export function identitiesNamed(payload: unknown): string[] {
  const found = new Set<string>();
  const add = (ref: unknown) => {
    const id = (ref as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && IDENTITY_ID.test(id) && found.size < MAX_IDENTITIES) found.add(id);
  };
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  for (const field of ['requester', 'recipient', 'requestedBy']) add(p[field]);
  for (const ref of Array.isArray(p.requestedFor) ? p.requestedFor : [p.requestedFor]) add(ref);
  return [...found];
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit the rest is read and dropped, so the sender still gets the 413.
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body?: object): void {
  res.writeHead(status, body ? { 'Content-Type': 'application/json' } : {});
  res.end(body ? JSON.stringify(body) : undefined);
}

/**
 * ISC's event triggers, the fast path of the requesters' outcome messages: an event names whom to
 * re-read, and the bot reads their requests from ISC at once (the minute's follow-up is the base).
 * It answers before the re-read: ISC's fire-and-forget triggers do not wait.
 */
export function triggerRoute(opts: { secret: string; reread: (identityIds: string[]) => Promise<void>; logger: Logger }) {
  return {
    path: TRIGGER_PATH,
    method: ['POST'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      if (!authorised(req.headers.authorization, opts.secret)) {
        opts.logger.warn('Refused an ISC trigger call without the right secret', { remote: req.socket.remoteAddress });
        return reply(res, 401, { error: 'unauthorized' });
      }
      void readBody(req, TRIGGER_BODY_LIMIT).then(
        (body) => {
          if (body === 'too-large') return reply(res, 413, { error: `the body is over ${TRIGGER_BODY_LIMIT} bytes` });
          let payload: unknown;
          try {
            payload = JSON.parse(body.toString('utf8'));
          } catch {
            return reply(res, 400, { error: 'the body is not JSON' });
          }
          const identityIds = identitiesNamed(payload);
          reply(res, 202, { reread: identityIds.length });
          if (identityIds.length) void opts.reread(identityIds);
        },
        () => reply(res, 400, { error: 'the body could not be read' }),
      );
    },
  };
}
