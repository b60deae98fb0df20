/** POST /v1/evaluate: the engine's request and response, unchanged; inline policies or by reference. */
import { decideReply } from './shared/decide.js';
import { EVALUATE_ROUTES } from './shared/routes.js';
import { httpHandler } from './shared/service.js';

const route = EVALUATE_ROUTES['POST /v1/evaluate'];

export const handler = httpHandler({ name: 'evaluate', auth: route.auth, body: route.request }, (event, request) => decideReply(event, request, 'evaluate'));
