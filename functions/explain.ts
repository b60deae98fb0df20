/** POST /v1/explain: evaluate plus the per-statement trace and a readable text. */
import { decideReply } from './shared/decide.js';
import { EXPLAIN_ROUTES } from './shared/routes.js';
import { service } from './shared/service.js';

const route = EXPLAIN_ROUTES['POST /v1/explain'];

export const handler = service({ name: 'explain', auth: route.auth, body: route.request }, (event, request) => decideReply(event, request, 'explain'));
