import type { ReassignmentConfigurationsApi } from '../../src/isc/api';
import type { ConfigurationItemRequest, ConfigurationResponse } from '../../src/isc/types';
import { caught, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

const ROOT = '/reassignment-configurations/v1';
const EXPERIMENTAL = { 'X-SailPoint-Experimental': 'true' };

// Shapes from the spec's Configurationitemrequest and Configurationresponse examples (reassignment-configurations.v1.yaml).
const REQUEST: ConfigurationItemRequest = {
  reassignedFromId: '2c91808781a71ddb0181b9090b5c504e',
  reassignedToId: '2c91808781a71ddb0181b9090b53504a',
  configType: 'ACCESS_REQUESTS',
  startDate: '2022-07-21T11:13:12.345Z',
  endDate: '2022-07-30T17:00:00.000Z',
};
const RESPONSE: ConfigurationResponse = {
  identity: { id: REQUEST.reassignedFromId, name: 'William Wilson' },
  configDetails: [
    {
      configType: 'ACCESS_REQUESTS',
      targetIdentity: { id: REQUEST.reassignedToId, name: 'Ada Approver' },
      startDate: REQUEST.startDate,
      endDate: REQUEST.endDate,
      auditDetails: { created: '2022-07-21T11:13:12.345Z', createdBy: { id: REQUEST.reassignedFromId, name: 'William Wilson' } },
    },
  ],
};

const cases: Array<OperationCase<ReassignmentConfigurationsApi>> = [
  {
    name: 'getReassignmentConfiguration: one identity',
    call: (api) => api.getReassignmentConfiguration('id1'),
    method: 'GET',
    path: '/id1',
    reply: RESPONSE,
    result: RESPONSE,
  },
  {
    name: 'createReassignmentConfiguration: POST the Configurationitemrequest, 201',
    call: (api) => api.createReassignmentConfiguration(REQUEST),
    method: 'POST',
    path: '',
    rawBody: JSON.stringify(REQUEST),
    status: 201,
    reply: RESPONSE,
    result: RESPONSE,
  },
  {
    name: 'putReassignmentConfig: PUT on the identity, a null endDate (permanent) is sent as null',
    call: (api) => api.putReassignmentConfig('id1', { ...REQUEST, configType: 'GENERIC_APPROVALS', endDate: null }),
    method: 'PUT',
    path: '/id1',
    rawBody: JSON.stringify({ ...REQUEST, configType: 'GENERIC_APPROVALS', endDate: null }),
    reply: RESPONSE,
    result: RESPONSE,
  },
  {
    name: 'deleteReassignmentConfiguration: one configType, 204',
    call: (api) => api.deleteReassignmentConfiguration('id1', 'MANUAL_TASKS'),
    method: 'DELETE',
    path: '/id1/MANUAL_TASKS',
    status: 204,
    result: undefined,
  },
];

it.each(cases)('$name, with the experimental header', async (c) => {
  mockToken();
  await expectOperation(testClient().client.reassignmentConfigurations, ROOT, c, EXPERIMENTAL);
});

it('encodes the identity id in the path', async () => {
  mockToken();
  await expectOperation(
    testClient().client.reassignmentConfigurations,
    ROOT,
    { name: 'odd id', call: (api) => api.getReassignmentConfiguration('a/b c'), method: 'GET', path: '/a%2Fb%20c', reply: RESPONSE, result: RESPONSE },
    EXPERIMENTAL,
  );
});

it('refuses an incomplete request before calling ISC', async () => {
  const api = testClient().client.reassignmentConfigurations;
  expect(await caught(api.createReassignmentConfiguration({ ...REQUEST, reassignedToId: '' }))).toBeInstanceOf(TypeError);
});
