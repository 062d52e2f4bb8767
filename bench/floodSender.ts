// The flood's load generator (bench/flood.ts), in a worker thread of its own so that the sandbox
// tenant and the Slack stand-in in the bench's main thread do not slow it down: it gets the requests
// already built and signed, and sends each at its time over a pool of keep-alive connections
// (undici), recording when each was sent and acked. Times are epoch milliseconds (performance's time
// origin differs between threads).
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

export interface FloodRequest {
  /** ms after the start when it is due */
  at: number;
  body: string;
  contentType: string;
  timestamp: string;
  signature: string;
}

export interface FloodSenderInput {
  origin: string;
  path: string;
  requests: FloodRequest[];
  connections: number;
}

export interface FloodSenderOutput {
  /** epoch ms of each send and of its HTTP response (NaN: failed) */
  sentAt: Float64Array;
  ackedAt: Float64Array;
  status: Int16Array;
  /** The response bodies that were not empty, by index. */
  bodies: Array<[number, string]>;
  /** epoch ms at which the first and last requests went out */
  firstSentAt: number;
  lastSentAt: number;
}

const epoch = () => performance.timeOrigin + performance.now();

async function main(input: FloodSenderInput): Promise<void> {
  const { requests } = input;
  const n = requests.length;
  const out: FloodSenderOutput = {
    sentAt: new Float64Array(n),
    ackedAt: new Float64Array(n).fill(Number.NaN),
    status: new Int16Array(n),
    bodies: [],
    firstSentAt: 0,
    lastSentAt: 0,
  };
  const pool = new Pool(input.origin, { connections: input.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  let pending = 0;
  let done!: () => void;
  const allAcked = new Promise<void>((r) => (done = r));
  const send = (i: number) => {
    const r = requests[i];
    out.sentAt[i] = epoch();
    pending++;
    pool
      .request({ path: input.path, method: 'POST', headers: { 'content-type': r.contentType, 'x-slack-request-timestamp': r.timestamp, 'x-slack-signature': r.signature }, body: r.body })
      .then(async (res) => {
        const text = await res.body.text();
        out.ackedAt[i] = epoch();
        out.status[i] = res.statusCode;
        if (text) out.bodies.push([i, text]);
      })
      .catch(() => {
        out.status[i] = 0;
      })
      .finally(() => {
        if (--pending === 0 && sent === n) done();
      });
  };
  let sent = 0;
  let reported = 0;
  const start = epoch();
  out.firstSentAt = start;
  while (sent < n) {
    const now = epoch() - start;
    while (sent < n && requests[sent].at <= now) send(sent++);
    if (Math.floor(sent / 1000) > reported) parentPort!.postMessage({ progress: (reported = Math.floor(sent / 1000)) * 1000 });
    if (sent < n) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(requests[sent].at - now - 0.5, 50))));
  }
  out.lastSentAt = epoch();
  parentPort!.postMessage({ allSent: out.lastSentAt });
  if (pending) await allAcked;
  await pool.close();
  parentPort!.postMessage({ result: out });
}

void main(workerData as FloodSenderInput);
