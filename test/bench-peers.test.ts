/**
 * The peer benchmarks (bench/peers) compare us with Cedar and iam-simulate on "equivalent" policy sets:
 * these tests keep that word true. Each translated workload must give, request by request, the same
 * outcome (allow / explicit deny / implicit deny) as our engine. Timings are not checked here.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../lib/catalog/catalog.js';
import { EC2_ACTIONS, imageArn } from '../bench/peers/iam-simulate.js';
import { isPeerError, measurePeers, type PeerResult } from '../bench/peers/index.js';
import { WORKLOADS } from '../bench/workloads.js';

function agreement(r: PeerResult): number {
  if (isPeerError(r)) throw new Error(r.error);
  return r.agreement;
}

describe('peer benchmark translations', () => {
  it('maps every IMS action to its own EC2 action', () => {
    const ims = catalog.actions.filter((a) => a.kind !== 'foreign').map((a) => a.name);
    expect(Object.keys(EC2_ACTIONS).sort()).toEqual([...ims].sort());
    expect(new Set(Object.values(EC2_ACTIONS)).size).toBe(ims.length);
  });

  it('moves the account into the image id of an EC2 image ARN', () => {
    expect(imageArn('ims:cn-north-4:acc-1:image:img-5')).toBe('arn:aws:ec2:cn-north-4::image/000000000001.img-5');
    expect(imageArn('ims:*:*:image:prod-*')).toBe('arn:aws:ec2:*::image/*.prod-*');
    expect(imageArn('*')).toBe('*');
  });

  it.each([
    ['small', 1000, 200],
    ['realistic', 1000, 150],
    ['large', 60, 10],
  ] as const)('%s: Cedar and iam-simulate decide as we do', async (name, cedarRequests, iamSimulateRequests) => {
    const w = WORKLOADS[name]();
    const peers = await measurePeers(w, { cedarRequests, iamSimulateRequests, isolate: false });
    expect(agreement(peers.cedar)).toBe(1);
    expect(agreement(peers.iam_simulate)).toBe(1);
    const list = await measurePeers(w, { cedarRequests: Math.min(cedarRequests, 200), cedarActions: 'list', skip: ['iam_simulate'], isolate: false });
    expect(agreement(list.cedar)).toBe(1);
  });

  it('reports a workload it cannot translate as an error, not a throw', async () => {
    const w = WORKLOADS.small();
    const bad = { ...w, requests: w.requests.slice(0, 10), policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'Allow', NotAction: ['ims:images:list'] }] } }] };
    const peers = await measurePeers(bad, { isolate: false });
    expect(isPeerError(peers.cedar) && peers.cedar.error).toMatch(/only Action\/Resource/);
    expect(isPeerError(peers.iam_simulate) && peers.iam_simulate.error).toMatch(/only Action\/Resource/);
  });

  it('measures in a child process by default', async () => {
    const peers = await measurePeers(WORKLOADS.small(), { cedarRequests: 200, iamSimulateRequests: 20 });
    expect(agreement(peers.cedar)).toBe(1);
    expect(agreement(peers.iam_simulate)).toBe(1);
    if (!isPeerError(peers.cedar)) expect(peers.cedar.requests).toBe(200);
  });
});
