import type { IdentitiesApi } from './api';
import type { IscHttp } from './http';
import { publicIdentitiesPath, type IdentitiesVersion } from './paths';
import type { PublicIdentity } from './types';

/** A double-quoted filter literal; `"` and `\` inside it are backslash-escaped. */
export function filterLiteral(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export function createIdentitiesApi(http: IscHttp, version: IdentitiesVersion): IdentitiesApi {
  const path = publicIdentitiesPath(version);
  // Both lookups are the spec's getPublicIdentities.
  const first = async (filters: string) => {
    const page = await http.list<PublicIdentity>({ operation: 'getPublicIdentities', method: 'GET', path, query: { filters } }, { limit: 1 });
    return page.items[0] ?? null;
  };
  return {
    findIdentityByEmail: async (email) => first(`email eq ${filterLiteral(email)}`),
    getIdentityById: async (id) => first(`id eq ${filterLiteral(id)}`),
  };
}
