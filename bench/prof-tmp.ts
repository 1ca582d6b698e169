import { largeTextFile } from './src/corpus/corpus-generator';
import { chunkDocument } from '../libs/chunking/src';
const big = largeTextFile(10 * 1024 * 1024).toString('utf8');
for (let k = 0; k < 2; k++) {
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  const chunks = chunkDocument([{ text: big, pageNumber: null }], { chunkSize: 1000, chunkOverlap: 200, fileUuid: 'x', knowledgebaseId: 'y' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9; const c = process.cpuUsage(c0); const cpu = (c.user + c.system) / 1e6;
  console.log('10MB', chunks.length, 'wall', s.toFixed(2), 'cpu', cpu.toFixed(2), (10 / cpu).toFixed(2), 'MB/cpu-s');
}
