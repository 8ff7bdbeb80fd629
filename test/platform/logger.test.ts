/** Log format: JSON lines for machines, pretty lines for a person at a terminal; LOG_FORMAT decides when set. */
import { logFormat } from '../../platform/logger.js';

test('pretty on a terminal, JSON lines anywhere else', () => {
  expect(logFormat({}, true)).toBe('pretty');
  expect(logFormat({}, false)).toBe('json');
});

test('LOG_FORMAT overrides, and anything else is refused', () => {
  expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
  expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  expect(logFormat({ LOG_FORMAT: '' }, false)).toBe('json');
  expect(() => logFormat({ LOG_FORMAT: 'xml' }, false)).toThrow(/LOG_FORMAT/);
});
