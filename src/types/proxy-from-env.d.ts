// proxy-from-env ships no types.
declare module 'proxy-from-env' {
  /** The proxy URL for a URL under HTTP(S)_PROXY / NO_PROXY (either case, and npm_config_*), or '' for none. */
  export function getProxyForUrl(url: string | URL, env?: Record<string, string | undefined>): string;
}
