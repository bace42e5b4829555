/**
 * Connection to a Temporal cluster or Temporal Cloud comes entirely from the standard
 * configuration (`TEMPORAL_*` variables or a profile file, via @temporalio/envconfig): these
 * tests check that address, namespace, API key, mTLS certificate/key, server name and profiles
 * reach the connection options featureflow's client and worker use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, workflowUiUrl } from '../../src/config';
import { connectClient } from '../../src/temporal/connection';

describe('Temporal connection from configuration', () => {
  let dir: string;
  // No profile file unless a test writes one, whatever the machine's home directory holds.
  let base: Record<string, string>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-tconf-'));
    base = { TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml'), FEATUREFLOW_DATA_DIR: dir };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('links runs to a Web UI only where there is one: the dev server\'s by default, FEATUREFLOW_UI_URL on a configured cluster', () => {
    expect(workflowUiUrl(loadConfig(base), 'pipeline/BTC-USD/2024-01-15')).toBe('http://localhost:8233/namespaces/default/workflows/pipeline%2FBTC-USD%2F2024-01-15');
    const cluster = loadConfig({ ...base, TEMPORAL_ADDRESS: '127.0.0.1:7433' });
    expect(cluster.uiUrl).toBeUndefined();
    expect(workflowUiUrl(cluster, 'pipeline/BTC-USD/2024-01-15')).toBeUndefined();
    const withUi = loadConfig({ ...base, TEMPORAL_ADDRESS: '127.0.0.1:7433', FEATUREFLOW_UI_URL: 'http://127.0.0.1:8433/' });
    expect(workflowUiUrl(withUi, 'backfill/x', 'run-1')).toBe('http://127.0.0.1:8433/namespaces/default/workflows/backfill%2Fx/run-1');
  });

  it('defaults to the embedded local dev server', () => {
    const config = loadConfig(base);
    expect(config.temporal.address).toBe('localhost:7233');
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.isDefaultLocal).toBe(true);
    expect(config.temporal.connect.connectionOptions.tls).toBeUndefined();
  });

  it('passes a Temporal Cloud API key through, with TLS switched on', () => {
    const config = loadConfig({
      ...base,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'featureflow-prod.a1b2c',
      TEMPORAL_API_KEY: 'test-api-key',
    });
    expect(config.temporal).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'featureflow-prod.a1b2c', isDefaultLocal: false });
    expect(config.temporal.connect.connectionOptions).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', apiKey: 'test-api-key', tls: true });
  });

  it('passes an mTLS client certificate and key (and server name / CA) through', () => {
    const cert = path.join(dir, 'client.pem');
    const key = path.join(dir, 'client.key');
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nclient-cert\n-----END CERTIFICATE-----\n');
    fs.writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nclient-key\n-----END PRIVATE KEY-----\n');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nca-cert\n-----END CERTIFICATE-----\n');
    const config = loadConfig({
      ...base,
      TEMPORAL_ADDRESS: 'featureflow-prod.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'featureflow-prod.a1b2c',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = config.temporal.connect.connectionOptions.tls;
    expect(typeof tls).toBe('object');
    if (typeof tls !== 'object' || !tls) throw new Error('expected a TLS config object');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('client-cert');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toContain('client-key');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('ca-cert');
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('reads a named profile from a config file, with TEMPORAL_* variables overriding it', () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      ['[profile.prod]', 'address = "prod.example.com:7233"', 'namespace = "features"', 'api_key = "from-profile"', '', '[profile.prod.grpc_meta]', 'team = "ml-platform"', ''].join('\n'),
    );
    const fromProfile = loadConfig({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    expect(fromProfile.temporal).toMatchObject({ address: 'prod.example.com:7233', namespace: 'features', isDefaultLocal: false });
    expect(fromProfile.temporal.connect.connectionOptions).toMatchObject({ apiKey: 'from-profile', tls: true, metadata: { team: 'ml-platform' } });

    const overridden = loadConfig({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'features-staging' });
    expect(overridden.temporal.namespace).toBe('features-staging');
    expect(overridden.temporal.address).toBe('prod.example.com:7233');
  });

  it('names a missing certificate file clearly', () => {
    expect(() =>
      loadConfig({ ...base, TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'nope.key') }),
    ).toThrow(/Invalid Temporal configuration|nope\.pem/);
  });

  it('says which address and settings to check when the cluster cannot be reached', async () => {
    const config = loadConfig({ ...base, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'prod' });
    await expect(connectClient(config)).rejects.toThrow(/Cannot reach Temporal at 127\.0\.0\.1:1 \(namespace prod\).*TEMPORAL_ADDRESS/);
  });

  it('reads the market source settings', () => {
    const config = loadConfig({ ...base, FEATUREFLOW_COINBASE_URL: 'http://127.0.0.1:9999', FEATUREFLOW_COINBASE_RATE: '5', FEATUREFLOW_CSV_DIR: dir });
    expect(config.sources).toEqual({ coinbaseUrl: 'http://127.0.0.1:9999', coinbaseRatePerSecond: 5, csvDir: dir, syntheticSymbols: ['BTC-USD'], syntheticMissingPct: 0 });
    expect(loadConfig(base).sources).toMatchObject({ coinbaseUrl: 'https://api.exchange.coinbase.com', coinbaseRatePerSecond: 3 });
    expect(() => loadConfig({ ...base, FEATUREFLOW_COINBASE_RATE: 'fast' })).toThrow(/FEATUREFLOW_COINBASE_RATE/);
  });
});
