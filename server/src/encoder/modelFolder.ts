/**
 * Checks of a model folder path that need no model code (the language server's thread
 * runs them on every config edit, so this module imports nothing heavy).
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The message for an encoder path that exists but is not a folder (a common slip: the
 * path of model.onnx itself), or null when it is a folder.
 */
export function notAFolder(path: string): string | null {
  if (statSync(path).isDirectory()) return null;
  const hint = /\.onnx$/i.test(path) ? `; name its folder, ${dirname(path)}` : '';
  return `encoder path ${path} is a file, not a folder: expected a folder with model.onnx and tokenizer.json${hint}`;
}
