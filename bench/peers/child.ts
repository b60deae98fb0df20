/**
 * Child process of measurePeers (bench/peers/index.ts): reads one PeerJob as JSON on stdin, measures that
 * peer, prints its PeerResult as one JSON line on stdout. Run as `node --import tsx bench/peers/child.ts`.
 */
import { measurePeerInProcess, type PeerJob } from './index.js';

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk as string;
const result = await measurePeerInProcess(JSON.parse(input) as PeerJob);
process.stdout.write(`${JSON.stringify(result)}\n`);
