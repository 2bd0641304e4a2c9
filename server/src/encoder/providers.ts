/**
 * ONNX Runtime execution providers (`encoder.executionProviders`, e.g. ["cuda", "cpu"]):
 * tried in the order given, the first that starts runs the model. A provider missing from
 * the installed onnxruntime-node is named with how to get one that has it; when a later
 * one took over, the note says so. Runs in the encoder worker (session creation).
 */
import type * as ortTypes from 'onnxruntime-node';
import { EncoderError } from './protocol';

export interface StartedSession {
  session: ortTypes.InferenceSession;
  /** The provider that runs the model (undefined: none was asked for, ONNX Runtime's default CPU). */
  provider?: string;
  /** Why preferred providers were passed over, for a warning. */
  note?: string;
}

/** How to get a provider that the installed onnxruntime-node lacks. */
export function installHint(provider: string): string {
  switch (provider) {
    case 'cuda':
    case 'tensorrt':
      return 'the CUDA provider ships separately: on Linux x64 reinstall with `npm install onnxruntime-node --onnxruntime-node-install=cuda12` ' +
        '(CUDA 12 and cuDNN 9 must be installed' + (provider === 'tensorrt' ? ', and TensorRT 10' : '') + ')';
    case 'dml': return 'DirectML exists only in the Windows build of onnxruntime-node';
    case 'coreml': return 'CoreML exists only in the macOS build of onnxruntime-node';
    case 'webgpu': return 'WebGPU needs a GPU with working Vulkan (Linux) / D3D12 (Windows) / Metal (macOS) drivers';
    default: return `"${provider}" is not a provider of onnxruntime-node`;
  }
}

/** The first line of an ONNX Runtime error, without the source paths it carries. */
function shortReason(message: string): string {
  const line = message.split('\n')[0]!.replace(/\/onnxruntime_src\/\S+\s*/g, '').trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

export async function startSession(
  ort: typeof ortTypes, modelPath: string, options: ortTypes.InferenceSession.SessionOptions, providers: readonly string[] | undefined,
): Promise<StartedSession> {
  if (!providers || providers.length === 0) return { session: await ort.InferenceSession.create(modelPath, options) };
  const failed: string[] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelPath, { ...options, executionProviders: [provider] });
      const note = failed.length > 0
        ? `encoder.executionProviders: ${failed.join('; ')}; the model runs on "${provider}"`
        : undefined;
      return { session, provider, ...(note ? { note } : {}) };
    } catch (e) {
      // The CPU provider is always there: its failure is the model's, reported as a load error.
      if (provider === 'cpu') throw e;
      failed.push(`"${provider}" is not available in the installed onnxruntime-node (${shortReason((e as Error).message)}) — ${installHint(provider)}`);
    }
  }
  throw new EncoderError('model-load', `none of encoder.executionProviders [${providers.map((p) => `"${p}"`).join(', ')}] can run ${modelPath}: ${failed.join('; ')}; add "cpu" to the list to fall back to the CPU`);
}
