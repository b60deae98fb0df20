/**
 * Example bodies of the schemas (OpenAPI `examples`): schemas.ts adds them to their schemas for the OpenAPI
 * document and the tests (each must conform: test/handlers.test.ts). Kept apart from the schemas themselves,
 * which the functions bundle to validate with, so that no function carries documentation it never reads.
 */
import type { SchemaName } from './core.js';

export const EXAMPLES: { readonly [N in SchemaName]?: readonly unknown[] } = {
  EvaluateRequest: [
    {
      principal: { account_id: 'acc-1', user_name: 'alice' },
      action: 'ims:images:deleteImage',
      resource: 'ims:cn-north-4:acc-1:image:abc',
      policies: [
        { id: 'IMS FullAccess', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
        { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
      ],
    },
    {
      principal: { account_id: 'acc-1', user_name: 'alice' },
      api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } },
      region: 'cn-north-4',
      context: { 'ims:Encrypted': true },
      policies: [{ id: 'copy', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:copyInRegion'], Resource: ['ims:*:acc-1:image:*'] }] } }],
    },
  ],
  ValidateRequest: [{ policy: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"]}]}', type: 'identity' }],
  CreatePolicyBody: [{ name: 'no-delete', type: 'identity', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } }],
  CreateGrantBody: [{ policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: 'viewers' }, scope: { type: 'project', project: 'cn-north-4' } }],
  NoNewAccessRequest: [
    {
      existing: { policies: [{ id: 'reader', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get*'] }] } }] },
      proposed: { policies: [{ id: 'reader', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:*'] }] } }] },
    },
  ],
  AccessNotGrantedRequest: [
    {
      set: {
        policies: [
          {
            id: 'ops',
            document: {
              Version: '5.0',
              Statement: [
                { Effect: 'Allow', Action: ['ims:images:*'] },
                { Effect: 'Deny', Action: ['ims:images:delete*'] },
              ],
            },
          },
        ],
      },
      actions: ['ims:images:delete*', 'ims:images:share*'],
    },
  ],
  DiffRequest: [
    {
      a: { policies: [{ id: 'ops', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:*'] }] } }] },
      b: {
        policies: [{ id: 'ops', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:*'] }] } }],
        scps: [
          {
            level: 'root',
            policies: [
              {
                id: 'no-delete',
                document: {
                  Version: '5.0',
                  Statement: [
                    { Effect: 'Allow', Action: ['*'] },
                    { Effect: 'Deny', Action: ['ims:images:delete*'] },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
  ],
  SummaryRequest: [
    { set: { policies: [{ id: 'reader', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list', 'ims:images:get'] }] } }] }, assume: { region: 'cn-north-4' } },
  ],
  BatchMessage: [
    { correlation_id: 'job-42-item-1', account_id: 'acc-1', request: { principal: { user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' } },
    {
      correlation_id: 'job-42-item-2',
      account_id: 'acc-1',
      request: {
        action: 'ims:images:delete',
        resource: 'ims:cn-north-4:acc-1:image:abc',
        policies: [{ id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } }],
      },
    },
  ],
};
