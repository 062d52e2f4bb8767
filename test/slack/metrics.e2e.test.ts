import { ACTION } from '../../src/blocks/actions';
import { findButton, startHarness, USERS, type Harness } from '../support/botHarness';
import { scrape } from '../support/metrics';

// GET /metrics of the real bot (HTTP mode; socketMode.e2e.test.ts scrapes it in Socket Mode), after
// driving it through its HTTP receiver, the sandbox ISC tenant and the Slack stand-in: the counts are
// those of what the test did.

const CHANNEL = 'C0DIGEST1';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ NOTIFY_USERS: USERS.ada.id, DIGEST_CHANNEL: CHANNEL, DIGEST_SCHEDULE: '0 0 1 1 *', DIGEST_GRACE_MINUTES: '0' });
});
afterAll(() => h.close());

const CLICKS = 3;

it('counts the acks by kind, ISC requests by operation and status (a 429 and its retry), Slack calls, a DM and a digest run', async () => {
  // The first list of work items ISC is asked for is answered 429 (Retry-After: 1 s), then retried.
  let rateLimited = 0;
  h.fault = (req) => (req.method === 'GET' && req.path === '/work-items/v1' && rateLimited++ === 0 ? { kind: 'status', status: 429, retryAfterSeconds: 1 } : undefined);
  await h.command(USERS.ada.id, '', 'list');
  const [list] = await h.responsesTo('list');
  expect(rateLimited).toBeGreaterThan(1);
  h.fault = undefined;

  for (let i = 0; i < CLICKS; i++) {
    await h.click(USERS.ada.id, ACTION.pageNext, JSON.parse(findButton(list.blocks, ACTION.pageNext).value), { responseId: `page-${i}` });
    await h.responsesTo(`page-${i}`);
  }
  await h.event({ type: 'app_home_opened', user: USERS.ben.id, channel: 'D0HOME', tab: 'home' });
  await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > 0);

  await h.command(USERS.admin.id, 'digest', 'digest');
  const replies = await h.responsesTo('digest', 2);
  expect(replies[1].text).toBe(`✅ Posted the digest to <#${CHANNEL}>.`);

  // The notifier's first poll, at start, sends Ada (NOTIFY_USERS) her summary DM.
  const dms = () => h.slack.callsTo('chat.postMessage').filter((c) => String(c.args.channel).startsWith('D'));
  await h.slack.waitFor(() => dms().length > 0);

  const m = await scrape(h.baseUrl);
  expect(m.status).toBe(200);
  expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);

  const acks = (kind: string) => m.value('iscbot_slack_ack_duration_seconds_count', { kind });
  expect(acks('command')).toBe(2);
  expect(acks('block_action')).toBe(CLICKS);
  expect(acks('event')).toBe(1);
  // Every ack within Slack's 3 s.
  expect(m.value('iscbot_slack_ack_duration_seconds_bucket', { kind: 'block_action', le: '3' })).toBe(CLICKS);

  expect(m.value('iscbot_isc_requests_total', { operation: 'listWorkItems', status: '429' })).toBe(1);
  expect(m.value('iscbot_isc_retries_total', { operation: 'listWorkItems', status: '429' })).toBe(1);
  expect(m.value('iscbot_isc_requests_total', { operation: 'listWorkItems', status: '200' })).toBeGreaterThan(0);
  expect(m.value('iscbot_isc_request_duration_seconds_count', { operation: 'listWorkItems' })).toBe(m.value('iscbot_isc_requests_total', { operation: 'listWorkItems' }));
  // Every attempt waited for the limiter, and the retry waited out the Retry-After.
  expect(m.value('iscbot_isc_limiter_wait_seconds_count')).toBe(m.value('iscbot_isc_requests_total'));
  expect(m.value('iscbot_isc_limiter_wait_seconds_sum')).toBeGreaterThan(0.9);

  expect(m.value('iscbot_dms_sent_total')).toBe(dms().length);
  expect(m.value('iscbot_digest_runs_total', { trigger: 'command', outcome: 'posted' })).toBe(1);
  expect(m.value('iscbot_slack_api_calls_total', { method: 'chat.postMessage', status: '200' })).toBe(h.slack.callsTo('chat.postMessage').length);
  expect(m.value('iscbot_slack_api_calls_total', { method: 'views.publish' })).toBe(h.slack.callsTo('views.publish').length);
  expect(m.value('iscbot_slack_api_calls_total', { method: 'response_url' })).toBe(h.slack.responses.length);
  expect(m.value('iscbot_state_store_errors_total')).toBe(0);
  expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  expect(m.text).toContain('nodejs_eventloop_lag_seconds');

  // Bounded labels: operation ids and Slack method names, never a path or an id.
  for (const { operation } of m.series('iscbot_isc_requests_total')) expect(operation).toMatch(/^[a-z][A-Za-z]+$/);
  for (const { method } of m.series('iscbot_slack_api_calls_total')) expect(method).toMatch(/^(?:[a-z]+(?:\.[a-zA-Z]+)+|response_url)$/);
});
