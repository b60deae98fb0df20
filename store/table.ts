/**
 * The dynamodb-toolbox Table over the one policy table (definition: infra/table.json; keys: store/keys.ts).
 * The table name and the document client are resolved on first use, not at import.
 */
import { Table } from 'dynamodb-toolbox/table';
import { getDocumentClient, getTableName } from './client.js';
import { ENTITY_ATTRIBUTE } from './keys.js';

export const GSI1 = 'gsi1';

export const PolicyTable = new Table({
  name: getTableName,
  partitionKey: { name: 'pk', type: 'string' },
  sortKey: { name: 'sk', type: 'string' },
  indexes: {
    gsi1: { type: 'global', partitionKey: { name: 'gsi1pk', type: 'string' }, sortKey: { name: 'gsi1sk', type: 'string' } },
  },
  entityAttributeSavedAs: ENTITY_ATTRIBUTE,
});

// The toolbox reads `table.documentClient` when it sends a command: a getter creates the client then.
Object.defineProperty(PolicyTable, 'documentClient', { get: getDocumentClient, configurable: true, enumerable: true });
