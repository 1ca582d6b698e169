import { vectorsFromResponse } from './embeddings-response';

const base64 = (values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('base64');
const body = (embeddings: unknown[]) => JSON.stringify({ object: 'list', data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })) });

describe('vectorsFromResponse', () => {
  it('reads embeddings sent as base64 float32 and as JSON arrays, to the same vectors', () => {
    const values = [0.25, -0.5, 0.125, 1e-7];
    const fromBase64 = vectorsFromResponse(body([base64(values), base64([1, 2, 3, 4])]), 2);
    const fromJson = vectorsFromResponse(body([values, [1, 2, 3, 4]]), 2);
    expect(fromBase64).toEqual(fromJson);
    expect(Array.from(fromBase64[0])).toEqual(Array.from(Float32Array.from(values)));
    expect(fromBase64[1]).toBeInstanceOf(Float32Array);
  });

  it.each([
    ['base64 whose length is no whole number of floats', 'AAAA'],
    ['empty base64', ''],
    ['a NaN inside base64', base64([1, Number.NaN])],
    ['a non-number inside an array', [1, '2']],
    ['nothing', null],
  ])('refuses %s with a clear message', (_, embedding) => {
    expect(() => vectorsFromResponse(body([embedding]), 1)).toThrow(/item 0 has no `embedding` of finite numbers/);
  });
});
