/** POST /v1/explain: evaluate plus the per-statement trace and a readable text. */
import { decideReply } from './shared/decide.js';
import { service } from './shared/service.js';

export const handler = service({ name: 'explain', auth: 'evaluate', body: 'EvaluateRequest' }, (event) => decideReply(event, 'explain'));
