/**
 * Workspace Trust: in a restricted workspace nothing the workspace's config
 * names is loaded — a model folder is code-like (ONNX graphs run native
 * kernels), an embedding server would receive the texts, and idfCorpus /
 * cacheDir point the server at arbitrary files. The
 * run falls back to safe defaults; these notes tell the user where and why.
 * Shared by the worker (what the run does) and the config checks (what the
 * editor underlines), so both say the same thing.
 */
import type { EciConfig } from '../core/config';
import { shownUrl } from '../encoder/httpWire';
import type { RunNote } from './wire';

export function restrictedNotes(config: EciConfig, trusted: boolean): RunNote[] {
  if (trusted) return [];
  const notes: RunNote[] = [];
  if (config.encoder.kind === 'onnx') {
    notes.push({
      path: ['encoder', 'kind'], severity: 'warning',
      message: `restricted mode: the workspace's model "${config.encoder.path ?? ''}" is not loaded; the bundled default encoder is used instead (trust the workspace to use it)`,
    });
  }
  if (config.encoder.kind === 'http') {
    notes.push({
      path: ['encoder', 'kind'], severity: 'warning',
      message: `restricted mode: the workspace's embedding server (${(config.encoder.url ?? []).map(shownUrl).join(', ')}) is not used — a workspace must not choose where your texts are sent; the bundled default encoder is used instead (trust the workspace to use it)`,
    });
  }
  if (config.settings.idfCorpus) {
    notes.push({
      path: ['idfCorpus'], severity: 'warning',
      message: 'restricted mode: idfCorpus is ignored (files named by the workspace are not read); the IDF comes from the analysed passages',
    });
  }
  if (config.cacheDir !== undefined) {
    notes.push({ path: ['cacheDir'], severity: 'information', message: 'restricted mode: cacheDir is ignored; the editor\'s own cache folder is used' });
  }
  return notes;
}
