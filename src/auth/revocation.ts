import { revokeToken } from '../isc/auth';
import type { Logger } from '../log';
import type { OAuthClient } from './userTokenProvider';

/**
 * Revokes a user's tokens at ISC: the refresh token (which at ISC takes the access tokens of its
 * sign-in with it) and the access token. true when ISC confirmed every revocation; a failure is
 * logged (never the tokens) and the tokens then stop working only when they expire.
 */
export async function revokeAtIsc(
  oauth: OAuthClient,
  tokens: { accessToken?: string; refreshToken?: string },
  logger: Logger,
  context: Record<string, unknown>,
): Promise<boolean> {
  const { clientId: client_id, clientSecret: client_secret } = oauth;
  const revocations: Array<[string | undefined, 'refresh_token' | 'access_token']> = [
    [tokens.refreshToken, 'refresh_token'],
    [tokens.accessToken, 'access_token'],
  ];
  let confirmed = true;
  for (const [token, token_type_hint] of revocations) {
    if (!token) continue;
    try {
      await revokeToken(oauth.http, { token, token_type_hint, client_id, client_secret });
    } catch (e) {
      confirmed = false;
      logger.warn('ISC did not confirm the revocation of a linked account token; it stops working when it expires', {
        ...context,
        tokenType: token_type_hint,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return confirmed;
}
