// CloudFormation Properties of the policy table for serverless.yml: infra/table.json (the one definition,
// also read by infra/local/table.ts to create the same table in DynamoDB Local) plus the stage's TableName.
'use strict';
const properties = require('./table.json');

module.exports = async ({ resolveVariable }) => ({
  TableName: await resolveVariable('self:provider.environment.POLICY_TABLE'),
  ...properties,
});
