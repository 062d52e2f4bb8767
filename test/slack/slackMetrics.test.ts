import type { FetchFunction } from '@slack/web-api';
import { Metrics } from '../../src/metrics/metrics';
import { countingFetch, requestKind } from '../../src/slack/slackMetrics';
import { readSamples } from '../support/metrics';

describe('countingFetch', () => {
  const API = 'http://127.0.0.1:9/api/';
  const answering = (status: number): FetchFunction => async () => new Response('{}', { status });

  it('counts each Web API call by method and status, a 429 included, and response_url posts without their ids', async () => {
    const metrics = new Metrics();
    await countingFetch(metrics, API, answering(200))(`${API}chat.postMessage`);
    await countingFetch(metrics, API, answering(429))(`${API}chat.postMessage`);
    await countingFetch(metrics, API, answering(200))(new URL(`${API}views.open`));
    await countingFetch(metrics, API, answering(200))('https://hooks.slack.com/actions/T0TEAM/12345/abcdef');
    await countingFetch(metrics, API, answering(200))(`${API}files/../odd/U123`);
    const failing: FetchFunction = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(countingFetch(metrics, API, failing)(`${API}users.info`)).rejects.toThrow('fetch failed');
    const s = readSamples(await metrics.exposition());
    expect(s.series('iscbot_slack_api_calls_total')).toEqual([
      { method: 'chat.postMessage', status: '200' },
      { method: 'chat.postMessage', status: '429' },
      { method: 'views.open', status: '200' },
      { method: 'response_url', status: '200' },
      { method: 'other', status: '200' },
      { method: 'users.info', status: 'error' },
    ]);
  });
});

it('names the kind of each Slack request', () => {
  expect(requestKind({ command: '/workitems', text: '' })).toBe('command');
  expect(requestKind({ type: 'block_actions' })).toBe('block_action');
  expect(requestKind({ type: 'view_submission' })).toBe('view_submission');
  expect(requestKind({ type: 'view_closed' })).toBe('view_closed');
  expect(requestKind({ type: 'block_suggestion' })).toBe('options');
  expect(requestKind({ type: 'event_callback', event: { type: 'app_home_opened' } })).toBe('event');
  expect(requestKind({ type: 'shortcut' })).toBe('shortcut');
  expect(requestKind({ type: 'interactive_message' })).toBe('other');
});
