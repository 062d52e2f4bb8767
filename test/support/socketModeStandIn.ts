import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Ack {
  envelopeId: string;
  /** Milliseconds from sending the envelope to receiving its ack. */
  ms: number;
  payload?: unknown;
}

/**
 * A loopback stand-in for Slack's Socket Mode endpoint. The Web API stand-in answers
 * `apps.connections.open` with `url`; a client that connects gets `hello`, and `send` delivers
 * envelopes the way Slack does and records their acks.
 */
export class SocketModeStandIn {
  readonly acks: Ack[] = [];
  private server!: WebSocketServer;
  private socket: WebSocket | undefined;
  private connectedWaiters: Array<() => void> = [];
  private sentAt = new Map<string, number>();
  private ackWaiters = new Map<string, (ack: Ack) => void>();
  private seq = 0;
  url = '';

  async start(): Promise<this> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server.once('listening', () => resolve()));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link/?ticket=standin`;
    this.server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => this.received(String(data)));
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'standin', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0APP' } }));
      this.connectedWaiters.splice(0).forEach((w) => w());
    });
    return this;
  }

  async connected(timeoutMs = 5000): Promise<void> {
    if (this.socket) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('No Socket Mode client connected')), timeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends `/workitems text` as the user, its replies to `responseUrl`, and resolves with its ack. */
  command(userId: string, text: string, responseUrl: string): Promise<Ack> {
    const payload = { token: 'legacy', team_id: 'T0TEAM', api_app_id: 'A0APP', channel_id: 'C0CHAN', user_id: userId, command: '/workitems', text, response_url: responseUrl };
    return this.send('slash_commands', { ...payload, trigger_id: `trig.${++this.seq}` });
  }

  /** Sends an envelope and resolves with its ack (rejects when none comes within `timeoutMs`). */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, timeoutMs = 5000): Promise<Ack> {
    if (!this.socket) throw new Error('No Socket Mode client connected');
    const envelopeId = `env-${++this.seq}`;
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Envelope ${envelopeId} (${type}) was not acked within ${timeoutMs} ms`)), timeoutMs);
      this.ackWaiters.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    this.sentAt.set(envelopeId, performance.now());
    this.socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
    return acked;
  }

  private received(raw: string): void {
    const message = JSON.parse(raw) as { envelope_id?: string; payload?: unknown };
    if (!message.envelope_id) return;
    const ack: Ack = { envelopeId: message.envelope_id, ms: performance.now() - (this.sentAt.get(message.envelope_id) ?? NaN), payload: message.payload };
    this.acks.push(ack);
    this.ackWaiters.get(message.envelope_id)?.(ack);
    this.ackWaiters.delete(message.envelope_id);
  }

  /** Gives a client that is closing its connection (a bot stopping) a moment to finish the close handshake. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.server.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.readyState === client.CLOSED) return resolve();
            const timer = setTimeout(() => {
              client.terminate();
              resolve();
            }, 1000);
            client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
