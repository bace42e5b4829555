/**
 * The local stack's settings (`npm run stack`): ports and database names derived from one
 * variable each, and one readable error naming a bad variable.
 */
import { loadStackSettings } from '../../src/stack/settings';

describe('stack settings', () => {
  it('puts the server ports after the frontend port and names the databases by prefix', () => {
    const settings = loadStackSettings({ FEATUREFLOW_STACK_PORT: '9000', FEATUREFLOW_STACK_DB_PREFIX: 'ff' });
    expect(settings.ports).toMatchObject({ frontend: 9000, history: 9001, matching: 9002, worker: 9003, frontendHttp: 9004 });
    expect(settings.databases).toEqual({ temporal: 'ff_temporal', visibility: 'ff_visibility', data: 'ff_data' });
  });

  it('defaults away from the dev server ports', () => {
    const settings = loadStackSettings({});
    expect(settings.ports.frontend).toBe(7433);
    expect(settings.ports.ui).toBe(8433);
    expect(settings.databases.data).toBe('featureflow_stack_data');
  });

  it('names a bad variable in one line', () => {
    expect(() => loadStackSettings({ FEATUREFLOW_STACK_PORT: '80' })).toThrow(/^Invalid stack configuration: [^\n]*FEATUREFLOW_STACK_PORT/);
    expect(() => loadStackSettings({ FEATUREFLOW_STACK_DB_PREFIX: 'Bad-Prefix' })).toThrow(/FEATUREFLOW_STACK_DB_PREFIX/);
  });
});
