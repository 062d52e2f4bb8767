import { createHash, randomBytes } from 'node:crypto';

/** A PKCE code_verifier (RFC 7636): 32 random bytes, 43 base64url characters. */
export const newCodeVerifier = (): string => randomBytes(32).toString('base64url');

/** Its S256 code_challenge: the base64url SHA-256 of the verifier. */
export const pkceChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');
