/**
 * Which scopes exist and which files they read: one scope per config (its id
 * is the config's URI), plus "workspace" for loose triple files in folders
 * without a config (one source per file). Kept in step with the workspace as
 * files are opened, created and deleted.
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResultStore } from '../live/state/results';
import { WORKSPACE_SCOPE, type RunManager, type ScopeDef } from '../live/runManager';
import { findConfigs, findLooseTripleFiles, isConfigPath, isQuarantine, isWithin, looseSourceNames } from './discovery';

export function configScopeId(configPath: string): string {
  return pathToFileURL(configPath).href;
}

export class ScopeTracker {
  folders: string[] = [];
  private readonly foldersWithConfig = new Set<string>();
  private readonly loose = new Set<string>();

  constructor(private readonly runs: RunManager, private readonly store: ResultStore) {}

  /** Finds configs and loose triple files in every workspace folder; returns the scope ids. */
  async discover(): Promise<string[]> {
    for (const folder of this.folders) {
      const configs = await findConfigs(folder);
      for (const c of configs) this.addConfig(c);
      if (configs.length === 0) for (const f of await findLooseTripleFiles(folder)) this.loose.add(f);
    }
    this.syncWorkspaceScope();
    return [...this.runs.scopes.keys()];
  }

  addConfig(configPath: string): string {
    const id = configScopeId(configPath);
    if (!this.runs.scopes.has(id)) this.runs.scopes.set(id, { id, kind: 'config', configPath, configUri: id });
    const folder = this.folderOf(configPath);
    if (folder && !this.foldersWithConfig.has(folder)) {
      this.foldersWithConfig.add(folder);
      // Loose files of that folder now belong to the config's world.
      for (const f of [...this.loose]) if (this.folderOf(f) === folder) this.loose.delete(f);
      this.syncWorkspaceScope();
    }
    return id;
  }

  removeConfig(configPath: string): void {
    this.runs.remove(configScopeId(configPath));
  }

  /** A triple file may join the loose scope when no config governs its folder; returns whether it changed. */
  addLoose(path: string): boolean {
    if (this.loose.has(path) || isQuarantine(path)) return false;
    const folder = this.folderOf(path);
    if (folder && this.foldersWithConfig.has(folder)) return false;
    this.loose.add(path);
    this.syncWorkspaceScope();
    return true;
  }

  removeLoose(path: string): boolean {
    if (!this.loose.delete(path)) return false;
    this.syncWorkspaceScope();
    return true;
  }

  isLoose(path: string): boolean {
    return this.loose.has(path);
  }

  isConfig(path: string): boolean {
    return isConfigPath(path) || this.runs.scopes.has(configScopeId(path));
  }

  configDef(path: string): Extract<ScopeDef, { kind: 'config' }> | undefined {
    const def = this.runs.scopes.get(configScopeId(path));
    return def?.kind === 'config' ? def : undefined;
  }

  /** Scopes that read a file: from their latest results, the loose list, and configs without results yet. */
  scopesOfFile(path: string): string[] {
    const out = new Set(this.store.forFile(path).map((r) => r.scope));
    if (this.loose.has(path)) out.add(WORKSPACE_SCOPE);
    for (const def of this.runs.scopes.values()) {
      if (def.kind === 'config' && !this.store.get(def.id) && isWithin(path, dirname(def.configPath))) out.add(def.id);
    }
    return [...out];
  }

  folderOf(path: string): string | undefined {
    return this.folders.filter((f) => isWithin(path, f)).sort((a, b) => b.length - a.length)[0];
  }

  cwdFor(def: ScopeDef): string {
    if (def.kind === 'config') return dirname(def.configPath);
    return this.folders[0] ?? (def.files[0] ? dirname(def.files[0].path) : process.cwd());
  }

  /** The resource whose settings apply to a scope. */
  settingsUri(def: ScopeDef): string | undefined {
    if (def.kind === 'config') return def.configUri;
    return this.folders[0] ? pathToFileURL(this.folders[0]).href : undefined;
  }

  private syncWorkspaceScope(): void {
    if (this.loose.size === 0) {
      if (this.runs.scopes.has(WORKSPACE_SCOPE)) this.runs.remove(WORKSPACE_SCOPE);
      return;
    }
    const files = looseSourceNames([...this.loose].sort(), this.folders);
    this.runs.scopes.set(WORKSPACE_SCOPE, { id: WORKSPACE_SCOPE, kind: 'files', files });
  }
}
