import type { ReassignmentConfigurationsApi } from './api';
import type { IscHttp } from './http';
import { reassignmentConfigurationPaths } from './paths';
import type { ConfigurationItemRequest, ConfigurationResponse } from './types';

/** Every operation of this API declares the header as required. */
const EXPERIMENTAL = { 'X-SailPoint-Experimental': 'true' };

function checked(request: ConfigurationItemRequest): ConfigurationItemRequest {
  if (!request?.reassignedFromId || !request.reassignedToId || !request.configType || !request.startDate) {
    throw new TypeError('A reassignment configuration needs reassignedFromId, reassignedToId, configType and startDate');
  }
  return request;
}

export function createReassignmentConfigurationsApi(http: IscHttp): ReassignmentConfigurationsApi {
  const paths = reassignmentConfigurationPaths();
  return {
    getReassignmentConfiguration: async (identityId) =>
      http.json<ConfigurationResponse>({ operation: 'getReassignmentConfiguration', method: 'GET', path: paths.identity(identityId), headers: EXPERIMENTAL }),
    createReassignmentConfiguration: async (request) =>
      http.json<ConfigurationResponse>({ operation: 'createReassignmentConfiguration', method: 'POST', path: paths.create, body: checked(request), headers: EXPERIMENTAL }),
    putReassignmentConfig: async (identityId, request) =>
      http.json<ConfigurationResponse>({ operation: 'putReassignmentConfig', method: 'PUT', path: paths.identity(identityId), body: checked(request), headers: EXPERIMENTAL }),
    deleteReassignmentConfiguration: async (identityId, configType) => {
      await http.request({ operation: 'deleteReassignmentConfiguration', method: 'DELETE', path: paths.configType(identityId, configType), headers: EXPERIMENTAL });
    },
  };
}
