/**
 * One steady status bar item driven by `eci/status` (rust-analyzer's serverStatus
 * pattern): a spinner while a run is going, the outcome afterwards. Clicking it
 * cancels a run in progress, otherwise opens the ranking.
 */
import * as vscode from 'vscode';
import { Commands, type RunState } from '../../common/protocol';
import { scopeLabel } from './scopes';

/** Context key for `when` clauses (Cancel Run is only offered while something runs). */
export const RUNNING_CONTEXT_KEY = 'eciSem.running';

export class RunStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private last: RunState = { state: 'idle' };

  constructor() {
    this.item = vscode.window.createStatusBarItem('eciSem.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'ECI_sem';
    this.update({ state: 'idle' });
    this.item.show();
  }

  get state(): RunState {
    return this.last;
  }

  update(state: RunState): void {
    this.last = state;
    const item = this.item;
    item.backgroundColor = undefined;
    switch (state.state) {
      case 'running': {
        const progress = state.total > 0 ? ` ${Math.min(100, Math.round((100 * state.done) / state.total))}%` : '';
        item.text = `$(sync~spin) ECI_sem${state.sampleRanking ? ' (sample scope)' : ''}${progress}`;
        item.tooltip = `Scoring ${scopeLabel(state.scope)}: ${state.phase}` +
          (state.total > 0 ? ` (${state.done}/${state.total})` : '') +
          (state.sampleRanking ? '\nThe ranking shown is from the sampled triples; every triple follows.' : '') + '\nClick to cancel.';
        item.command = { title: 'Cancel Run', command: Commands.cancelRun };
        break;
      }
      case 'failed':
        item.text = '$(error) ECI_sem';
        item.tooltip = `Scoring ${scopeLabel(state.scope)} failed: ${state.message}\nClick to show the ranking.`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        item.command = { title: 'Show Ranking', command: Commands.showRanking };
        break;
      case 'done':
        item.text = '$(graph) ECI_sem';
        item.tooltip = `Scored ${scopeLabel(state.scope)} in ${state.seconds.toFixed(1)} s.\nClick to show the ranking.`;
        item.command = { title: 'Show Ranking', command: Commands.showRanking };
        break;
      default:
        item.text = '$(graph) ECI_sem';
        item.tooltip = 'ECI_sem: click to show the ranking of negative sources.';
        item.command = { title: 'Show Ranking', command: Commands.showRanking };
    }
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, state.state === 'running');
  }

  /** The server could not be started or stopped for good: say so instead of "idle". */
  serverDown(message: string): void {
    this.update({ state: 'failed', scope: 'workspace', message });
  }

  dispose(): void {
    this.item.dispose();
  }
}
