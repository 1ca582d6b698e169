import { apiKeyAuth } from '@docingest/service-auth';
import { CallbackReceiver, startLoopbackServer, type LoopbackServer } from '@docingest/contracts/testing';
import { CallbackClient } from './callback-client';

const FILE = '6f1c1f8e-3b7e-4c57-9a59-3c1d2f0e9a11';
const update = { progress: 10, processed_docs: 0, total_docs: 0, link_id: 5, status: 'processing' as const, stage: 'parsing' as const, attempt: 1 };

describe('CallbackClient', () => {
  let receiver: CallbackReceiver;
  let redirecting: LoopbackServer;

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    redirecting = await startLoopbackServer((req, res) => res.writeHead(307, { location: `${receiver.url}${req.url}` }).end());
  });
  afterAll(async () => {
    await redirecting.close();
    await receiver.stop();
  });

  it('delivers an update to the api', async () => {
    const sent = await new CallbackClient(receiver.url, apiKeyAuth('k')).send({ fileUuid: FILE }, update);
    expect(sent).toMatchObject({ outcome: 'delivered', detail: '200' });
    expect(receiver.for(FILE)).toEqual([update]);
  });

  it('does not follow a redirect: the answer is taken as the api gave it', async () => {
    const before = receiver.attempts;
    const sent = await new CallbackClient(redirecting.url, apiKeyAuth('k')).send({ fileUuid: FILE }, update);
    expect(sent).toMatchObject({ outcome: 'unreachable', detail: 'HTTP 307' });
    expect(receiver.attempts).toBe(before);
  });
});
