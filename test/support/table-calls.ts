/**
 * Counts the table requests a piece of code sends, through both of the store's clients (the read path's
 * own client, store/dynamo-http.ts, and the SDK document client of the writes, store/client.ts), and the
 * round trips they take: a request sent while no other is open starts a round trip, a request sent while
 * one is open shares it (sent in parallel). Counts, not times: the same answer on a loaded machine.
 */
import { getDocumentClient } from '../../store/client.js';
import { observeRequests } from '../../store/dynamo-http.js';

export interface TableCalls {
  /** Operation names in the order they were sent (`GetItem`, `Query`, `TransactWriteItems` ...). */
  requests: string[];
  /** The requests of each round trip. */
  rounds: string[][];
  roundTrips: number;
}

/** `Query → BatchGetItem + Query`: round trips in order, the requests of one (sent in parallel) sorted; `-` for none. */
export function describeCalls(calls: TableCalls): string {
  return calls.rounds.map((r) => [...r].sort().join(' + ')).join(' → ') || '-';
}

let seq = 0;

export async function countTableCalls(fn: () => Promise<unknown>): Promise<TableCalls> {
  const requests: string[] = [];
  const rounds: string[][] = [];
  let open = 0;
  const sent = (operation: string): void => {
    requests.push(operation);
    if (open++ === 0) rounds.push([]);
    rounds[rounds.length - 1]?.push(operation);
  };
  const settled = (): void => {
    open--;
  };
  const stopHttp = observeRequests(sent, settled);
  const client = getDocumentClient();
  const name = `count-table-calls-${++seq}`;
  // The SDK's command name (`TransactWriteItemsCommand`, or lib-dynamodb's `TransactWriteCommand`) -> the operation.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent(operationOf(String(context.commandName)));
      try {
        return await next(args);
      } finally {
        settled();
      }
    },
    { step: 'initialize', name },
  );
  try {
    await fn();
  } finally {
    stopHttp();
    client.middlewareStack.remove(name);
  }
  return { requests, rounds, roundTrips: rounds.length };
}

const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

function operationOf(commandName: string): string {
  const base = commandName.replace(/Command$/, '');
  return DOCUMENT_COMMANDS[base] ?? base;
}
