/** POST /v1/evaluate: the engine's request and response, unchanged. */
import { evaluate } from '../lib/engine/engine.js';
import { decideReply } from './shared/decide.js';
import { service } from './shared/service.js';

export const handler = service({ name: 'evaluate', body: 'EvaluateRequest' }, (event) => decideReply(event, evaluate));
