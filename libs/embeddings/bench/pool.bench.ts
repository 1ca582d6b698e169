/**
 * Local model throughput: one worker thread against the whole pool, on ~200 chunks of 100-200
 * words of ordinary business prose. Run: node -r @swc-node/register libs/embeddings/bench/pool.bench.ts
 * Options: --texts N (200), --batch N (20), --workers N (os.availableParallelism()).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createEmbedder } from '../src';

const SENTENCES = [
  'The supplier agrees to deliver the goods to the warehouse named in each purchase order.',
  'Invoices are payable within thirty days of receipt unless the parties agree otherwise in writing.',
  'Either party may terminate this agreement with ninety days notice if the other party breaches it.',
  'The quarterly report shows revenue growth of eight percent, driven mainly by the services segment.',
  'Operating costs rose because of higher energy prices and the opening of two new regional offices.',
  'Employees must complete the security awareness training before they receive access to customer data.',
  'Passwords are rotated every ninety days and multi-factor authentication is required for remote access.',
  'The maintenance window is scheduled for Saturday night, when traffic is at its lowest.',
  'Backups are taken every night and kept for thirty-five days in a second region.',
  'Customer complaints about late deliveries fell by a third after the new routing system went live.',
  'The product team will present the roadmap for the next two quarters at the all-hands meeting.',
  'Personal data is processed only for the purposes described in this privacy notice.',
  'Visitors must sign in at reception and wear their badge at all times while on the premises.',
  'The river flooded the lower fields in spring, so planting was delayed by almost three weeks.',
  'Researchers measured the effect of the new fertiliser on wheat yields across twelve test plots.',
  'The committee approved the budget after a long discussion about travel and training expenses.',
  'Refunds are issued to the original payment method within five business days of approval.',
  'The warranty does not cover damage caused by misuse, accidents or unauthorised repairs.',
  'Our support desk answers calls from eight in the morning until six in the evening on weekdays.',
  'The migration moved four hundred databases to the new cluster without any unplanned downtime.',
];

function chunks(count: number): string[] {
  let seed = 42;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: count }, () => {
    const words: string[] = [];
    const target = 100 + Math.floor(random() * 100);
    while (words.length < target) words.push(...SENTENCES[Math.floor(random() * SENTENCES.length)].split(' '));
    return words.slice(0, target).join(' ');
  });
}

async function measure(workers: number, texts: string[], batchSize: number) {
  const embedder = createEmbedder({ provider: 'local', workers, batchSize });
  try {
    const loadStart = performance.now();
    await embedder.warmUp(); // every worker has loaded the model
    const loadMs = performance.now() - loadStart;
    const start = performance.now();
    await embedder.embed(texts);
    const seconds = (performance.now() - start) / 1000;
    return { workers, loadMs, seconds, perSecond: texts.length / seconds, rssMb: process.memoryUsage().rss / 1e6 };
  } finally {
    await embedder.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { texts: { type: 'string', default: '200' }, batch: { type: 'string', default: '20' }, workers: { type: 'string' } },
  });
  const texts = chunks(Number(values.texts));
  const poolSize = Number(values.workers ?? availableParallelism());
  const words = texts.reduce((sum, t) => sum + t.split(' ').length, 0);
  console.log(`${texts.length} chunks, ${Math.round(words / texts.length)} words on average, batch ${values.batch}, ${availableParallelism()} cores`);

  const one = await measure(1, texts, Number(values.batch));
  const pool = await measure(poolSize, texts, Number(values.batch));
  for (const r of [one, pool]) {
    console.log(
      `workers=${r.workers}: ${r.perSecond.toFixed(1)} chunks/s (${r.seconds.toFixed(2)} s; start-up ${Math.round(r.loadMs)} ms; rss ${Math.round(r.rssMb)} MB)`,
    );
  }
  console.log(`speed-up ${(pool.perSecond / one.perSecond).toFixed(2)}x with ${poolSize} workers`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
