// Reads a TF.js graph model (model.json + binary weight shards) without TF.js:
// parses the weightsManifest, concatenates the shards and slices every weight
// out as a typed array. Only the dtypes this model uses are supported.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const BYTES = { float32: 4, int32: 4, bool: 1 };

/**
 * @param {string} dir directory holding model.json and its shards
 * @returns {Promise<{ topology: any, weights: Map<string, {dtype: string, shape: number[], data: Float32Array|Int32Array|Uint8Array}> }>}
 */
export async function readTfjsGraphModel(dir) {
  const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  if (!model.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new Error(`${dir}/model.json is not a TF.js graph model (no modelTopology/weightsManifest)`);
  }
  const weights = new Map();
  for (const group of model.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    const buf = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization) throw new Error(`weight ${w.name} is quantized (${JSON.stringify(w.quantization)}); not supported`);
      const bpe = BYTES[w.dtype];
      if (!bpe) throw new Error(`weight ${w.name} has unsupported dtype ${w.dtype}`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      const bytes = count * bpe;
      if (offset + bytes > buf.length) throw new Error(`weight ${w.name} runs past the end of its shards`);
      // copy into a fresh, aligned buffer
      const slice = new Uint8Array(bytes);
      slice.set(buf.subarray(offset, offset + bytes));
      const data =
        w.dtype === 'float32' ? new Float32Array(slice.buffer) :
        w.dtype === 'int32' ? new Int32Array(slice.buffer) : slice;
      weights.set(w.name, { dtype: w.dtype, shape: w.shape, data });
      offset += bytes;
    }
    if (offset !== buf.length) throw new Error(`weight group uses ${offset} bytes but its shards hold ${buf.length}`);
  }
  return { topology: model.modelTopology, weights };
}
