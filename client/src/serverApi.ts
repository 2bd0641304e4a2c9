/**
 * Typed calls of the custom methods in common/protocol.ts, so commands and the
 * panel never spell a method name or guess a result type.
 */
import type { CancellationToken } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CancelRequest, ExportCuratedRequest, ExportReportRequest, RankingRequest, ScoreRequest,
  WeakestTriplesRequest,
} from '../../common/protocol';

export interface EciServer {
  score(uri?: string): Promise<ScoreRequest.Result>;
  cancel(): Promise<CancelRequest.Result>;
  ranking(): Promise<RankingRequest.Result>;
  weakest(params: WeakestTriplesRequest.Params): Promise<WeakestTriplesRequest.Result>;
  exportReport(params: ExportReportRequest.Params, token?: CancellationToken): Promise<ExportReportRequest.Result>;
  exportCurated(params: ExportCuratedRequest.Params, token?: CancellationToken): Promise<ExportCuratedRequest.Result>;
}

export function serverApi(client: LanguageClient): EciServer {
  return {
    score: (uri) => client.sendRequest<ScoreRequest.Result>(ScoreRequest.method, uri === undefined ? {} : { uri }),
    cancel: () => client.sendRequest<CancelRequest.Result>(CancelRequest.method, {}),
    ranking: () => client.sendRequest<RankingRequest.Result>(RankingRequest.method, {}),
    weakest: (params) => client.sendRequest<WeakestTriplesRequest.Result>(WeakestTriplesRequest.method, params),
    exportReport: (params, token) => client.sendRequest<ExportReportRequest.Result>(ExportReportRequest.method, params, token),
    exportCurated: (params, token) => client.sendRequest<ExportCuratedRequest.Result>(ExportCuratedRequest.method, params, token),
  };
}

/** A request error as one readable line (ResponseError and plain Error both carry `message`). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e !== null && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
