/**
 * The local stack's settings (`npm run stack`): defaults derived from the host, and one readable
 * error for a bad variable.
 */
import { defaultServerCores, loadStackSettings } from '../../src/stack/settings';

describe('stack settings', () => {
  it('gives the Temporal Server half the host, at least one core', () => {
    expect(defaultServerCores(1)).toBe(1);
    expect(defaultServerCores(2)).toBe(1);
    expect(defaultServerCores(3)).toBe(1);
    expect(defaultServerCores(8)).toBe(4);
    expect(loadStackSettings({}).serverCores).toBe(defaultServerCores());
  });

  it('takes the server cores from FEATUREFLOW_STACK_SERVER_CORES', () => {
    expect(loadStackSettings({ FEATUREFLOW_STACK_SERVER_CORES: '3' }).serverCores).toBe(3);
  });

  it('names a bad value in one line', () => {
    expect(() => loadStackSettings({ FEATUREFLOW_STACK_SERVER_CORES: '0' })).toThrow(/^Invalid stack configuration: .*FEATUREFLOW_STACK_SERVER_CORES/);
    expect(() => loadStackSettings({ FEATUREFLOW_STACK_SERVER_CORES: 'two' })).toThrow(/FEATUREFLOW_STACK_SERVER_CORES/);
  });

  it('puts the server ports after the frontend port and names the databases by prefix', () => {
    const settings = loadStackSettings({ FEATUREFLOW_STACK_PORT: '9000', FEATUREFLOW_STACK_DB_PREFIX: 'ff' });
    expect(settings.ports).toMatchObject({ frontend: 9000, history: 9001, matching: 9002, worker: 9003, frontendHttp: 9004 });
    expect(settings.databases).toEqual({ temporal: 'ff_temporal', visibility: 'ff_visibility', data: 'ff_data' });
  });
});
