/**
 * The Temporal Server's configuration for the stack: PostgreSQL persistence and SQL visibility
 * on the stack's databases, every service on loopback at the stack's ports, no metrics or pprof
 * listener (they would take fixed ports), and a dynamic-config file beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StackSettings } from './settings';

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
const q = (value: string): string => JSON.stringify(value);

function datastore(settings: StackSettings, database: string, maxConns: number): string {
  const u = settings.adminUrl;
  return [
    '      sql:',
    '        pluginName: "postgres12"',
    `        databaseName: ${q(database)}`,
    `        connectAddr: ${q(`${u.hostname}:${u.port || '5432'}`)}`,
    '        connectProtocol: "tcp"',
    `        user: ${q(decodeURIComponent(u.username))}`,
    `        password: ${q(decodeURIComponent(u.password))}`,
    `        maxConns: ${maxConns}`,
    `        maxIdleConns: ${maxConns}`,
    '        maxConnLifetime: "1h"',
  ].join('\n');
}

function service(grpcPort: number, extra = ''): string {
  return ['    rpc:', `      grpcPort: ${grpcPort}`, `      membershipPort: ${grpcPort + 100}`, '      bindOnLocalHost: true', ...(extra ? [extra] : [])].join('\n');
}

/** Dynamic config: the namespace registry refreshes every 2 s by default; IDs as long as the dev server allows. */
const DYNAMIC_CONFIG = `# Written by npm run stack; edits are overwritten on the next \`up\`.
limit.maxIDLength:
  - value: 1000
system.enableDeployments:
  - value: true
system.enableDeploymentVersions:
  - value: true
frontend.workerVersioningWorkflowAPIs:
  - value: true
`;

/** Writes config and dynamic config under the stack's run folder; returns the config folder. */
export function writeServerConfig(settings: StackSettings): string {
  const dir = path.join(settings.runDir, 'temporal-config');
  fs.mkdirSync(dir, { recursive: true });
  const dynamic = path.join(dir, 'dynamic.yaml');
  fs.writeFileSync(dynamic, DYNAMIC_CONFIG);
  const p = settings.ports;
  const yaml = `# Written by npm run stack; edits are overwritten on the next \`up\`.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${datastore(settings, settings.databases.temporal, 20)}
    visibility:
${datastore(settings, settings.databases.visibility, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
${service(p.frontend, `      httpPort: ${p.frontendHttp}`)}
  history:
${service(p.history)}
  matching:
${service(p.matching)}
  worker:
${service(p.worker)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: ${q(`127.0.0.1:${p.frontend}`)}
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: ${q(dynamic)}
  pollInterval: "10s"
`;
  fs.writeFileSync(path.join(dir, 'stack.yaml'), yaml);
  return dir;
}
