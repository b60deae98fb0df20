/** POST /v1/explain: evaluate plus the per-statement trace and a readable text. */
import { decideReply } from './shared/decide.js';
import { EXPLAIN_ROUTES } from './shared/routes.js';
import { httpHandler } from './shared/service.js';

const route = EXPLAIN_ROUTES['POST /v1/explain'];

export const handler = httpHandler({ name: 'explain', auth: route.auth, body: route.request }, (event, request) => decideReply(event, request, 'explain'));
