import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../src/config/settings.js';
import { DEFAULT_OPS_PORT, opsSettingsFromEnv } from '../../../src/workers/ops.js';

describe('KEEL_OPS_PORT and KEEL_OPS_HOST', () => {
  it('default to 9464 on 127.0.0.1', () => {
    expect(DEFAULT_OPS_PORT).toBe(9464);
    expect(opsSettingsFromEnv({})).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(opsSettingsFromEnv({ KEEL_OPS_PORT: '', KEEL_OPS_HOST: '' })).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('take a port (0 = any free one) and an interface', () => {
    expect(opsSettingsFromEnv({ KEEL_OPS_PORT: '9100', KEEL_OPS_HOST: '0.0.0.0' })).toEqual({ port: 9100, host: '0.0.0.0' });
    expect(opsSettingsFromEnv({ KEEL_OPS_PORT: '0' }).port).toBe(0);
  });

  it('reject anything else with a message naming the setting', () => {
    for (const bad of ['http', '-1', '65536', '94.64', '9464abc']) {
      expect(() => opsSettingsFromEnv({ KEEL_OPS_PORT: bad }), bad).toThrow(SettingsError);
      expect(() => opsSettingsFromEnv({ KEEL_OPS_PORT: bad }), bad).toThrow(/KEEL_OPS_PORT must be a TCP port \(0-65535, 0 = any free port\)/);
    }
    expect(() => opsSettingsFromEnv({ KEEL_OPS_HOST: 'http://x' })).toThrow(/KEEL_OPS_HOST must be an interface address/);
  });
});
