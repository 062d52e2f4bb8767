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
  const matching = async (filters: string, limit: number) =>
    (await http.list<PublicIdentity>({ operation: 'getPublicIdentities', method: 'GET', path, query: { filters } }, { limit })).items;
  return {
    findIdentitiesByEmail: (email, limit = 10) => matching(`email eq ${filterLiteral(email)}`, limit),
    getIdentityById: async (id) => (await matching(`id eq ${filterLiteral(id)}`, 1))[0] ?? null,
  };
}
