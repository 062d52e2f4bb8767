import { acceptedWorkspace } from '../../src/slack/requestGuards';
import { isAllowedResponseUrl } from '../../src/slack/responseUrl';

describe('acceptedWorkspace', () => {
  const token = { teamId: 'T0TEAM', enterpriseId: 'E0ORG', appId: 'A0APP' };

  it('defaults to the workspace and app of the bot token', () => {
    expect(acceptedWorkspace({}, token)).toEqual({ teamIds: new Set(['T0TEAM']), appId: 'A0APP' });
  });

  it('for an organisation-wide install, defaults to the organisation (any of its workspaces)', () => {
    expect(acceptedWorkspace({}, { ...token, isEnterpriseInstall: true })).toEqual({ enterpriseId: 'E0ORG', appId: 'A0APP' });
  });

  it('takes the configured workspaces, organisation and app instead', () => {
    expect(acceptedWorkspace({ teamIds: new Set(['T0A', 'T0B']), appId: 'A0MINE' }, token)).toEqual({ teamIds: new Set(['T0A', 'T0B']), appId: 'A0MINE' });
    expect(acceptedWorkspace({ enterpriseId: 'E0MINE' }, token)).toEqual({ enterpriseId: 'E0MINE', appId: 'A0APP' });
  });

  it('refuses to start when nothing says which workspace is the bot’s', () => {
    expect(() => acceptedWorkspace({}, { appId: 'A0APP' })).toThrow(/set SLACK_TEAM_IDS/);
  });
});

describe('isAllowedResponseUrl', () => {
  const hosts = new Set(['hooks.slack.com', '127.0.0.1:4000']);

  it.each([
    ['https://hooks.slack.com/commands/T0TEAM/1/abc', true],
    ['https://HOOKS.slack.com/actions/T0TEAM/1/abc', true],
    ['http://hooks.slack.com/commands/T0TEAM/1/abc', false],
    ['https://hooks.slack.com.evil.example/commands/1', false],
    ['https://evil.example/?hooks.slack.com', false],
    ['https://hooks.slack.com:8443/commands/1', false],
    ['http://127.0.0.1:4000/respond/1', true],
    ['http://127.0.0.1:4001/respond/1', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedResponseUrl(url, hosts)).toBe(allowed);
  });
});
