/**
 * Entry of the language server (bundled as dist/server.js). The transport
 * comes from argv as vscode-languageserver reads it: --stdio, --node-ipc or
 * --socket=N; `eci-sem lsp --stdio` starts the same server through the CLI.
 */
import { serveProcess } from './server';

serveProcess();
