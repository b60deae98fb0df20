/** POST /v1/evaluate: the engine's request and response, unchanged; inline policies or by reference. */
import { decideReply } from './shared/decide.js';
import { service } from './shared/service.js';

export const handler = service({ name: 'evaluate', auth: 'evaluate', body: 'EvaluateRequest' }, (event) => decideReply(event, 'evaluate'));
