/**
 * Checks of a model folder path that need no model code (the language server's thread
 * runs them on every config edit, so this module imports nothing heavy).
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The message for an encoder path that exists but is not a folder (a common slip: the
 * path of model.onnx itself), or null when it is a folder.
 */
export function notAFolder(path: string): string | null {
  if (statSync(path).isDirectory()) return null;
  const hint = /\.onnx$/i.test(path) ? `; name its folder, ${dirname(path)}` : '';
  return `encoder path ${path} is a file, not a folder: expected a folder with model.onnx and tokenizer.json${hint}`;
}

/** Where a model folder's model file may be, in the order they are tried (Optimum puts it under onnx/). */
export function modelCandidates(modelDir: string): string[] {
  return [join(modelDir, 'model.onnx'), join(modelDir, 'onnx', 'model.onnx')];
}

/** The one wording of a missing model file (the config check as you type and the load say the same). */
export function missingModelMessage(modelDir: string): string {
  return `missing model file in ${modelDir}: expected ${modelCandidates(modelDir).join(' or ')}`;
}

export function missingTokenizerMessage(tokenizerPath: string): string {
  return `missing tokenizer ${tokenizerPath}: expected a Hugging Face tokenizer.json next to the model`;
}
