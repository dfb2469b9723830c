/** The one duration/timestamp formatter (src/shared/format.ts) and text cutting (src/shared/text.ts): the Traces view, the explorer and `aop traces` print through them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClock, formatDuration, formatOffset, formatTimestamp } from '../../src/shared/format';
import { oneLine, truncate } from '../../src/shared/text';
import { formatDuration as fromTracing } from '../../src/core/tracing';
import { agentNode } from '../../src/extension/explorer/nodes';
import { makeAgent } from '../support/agents';

test('durations: three significant digits in the largest unit ≥ 1, microseconds below a millisecond', () => {
  const cases: Array<[number, string]> = [
    [0, '0 ms'],
    [0.0004, '0 µs'],
    [0.5, '500 µs'],
    [0.0123, '12 µs'],
    [0.9994, '999 µs'],
    [0.9996, '1.00 ms'], // rounds into the next unit, never "1000 µs"
    [1, '1.00 ms'],
    [1.234, '1.23 ms'],
    [12.34, '12.3 ms'],
    [123.4, '123 ms'],
    [999.6, '1.00 s'],
    [1234, '1.23 s'],
    [12_345, '12.3 s'],
    [59_990, '1 min 0 s'],
    [65_000, '1 min 5 s'],
    [3_599_400, '59 min 59 s'],
    [3_600_000, '1 h 0 min'],
    [3_723_000, '1 h 2 min'],
    [-2.5, '-2.50 ms'], // clock skew between servers
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
});

test('compact durations for axis labels', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [0.5, '500µs'],
    [2.5, '2.5ms'],
    [10, '10ms'],
    [250, '250ms'],
    [1500, '1.5s'],
    [20_000, '20s'],
    [90_000, '1.5min'],
    [5_400_000, '1.5h'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms, { compact: true }), text, `${ms} ms`);
});

test('one formatter: the tracing module and the explorer tree print 0.5 ms as the Traces view does', () => {
  assert.equal(fromTracing, formatDuration);
  assert.equal(agentNode(makeAgent({ name: 'a' }), { state: 'ACTIVE', inFlight: 0, lastLatencyMs: 0.5 }).description, 'idle · 500 µs');
  assert.equal(formatOffset(0), '0');
  assert.equal(formatOffset(12.5), '+12.5 ms');
});

test('timestamps: local clock with ms today, with the date otherwise; a full stamp for logs and the CLI', () => {
  const d = new Date(2026, 10, 25, 14, 3, 7, 123).getTime();
  assert.equal(formatClock(d, d + 60_000), '14:03:07.123');
  assert.equal(formatClock(d, d + 3 * 86_400_000), 'Nov 25 14:03:07');
  assert.equal(formatTimestamp(d), '2026-11-25 14:03:07.123');
  assert.equal(formatTimestamp(Number.NaN), '—');
  assert.equal(formatClock(Number.NaN), '—');
});

test('text is cut to at most max characters with the ellipsis, never through a surrogate pair', () => {
  assert.equal(truncate('abcdef', 6), 'abcdef');
  assert.equal(truncate('abcdefg', 6), 'abcde…');
  assert.equal(truncate('abcdefg', 6).length, 6);
  assert.equal(truncate('ab😀cd', 4), 'ab…', 'the emoji is dropped whole, not halved');
  assert.equal(truncate('abc', 1), '…');
  assert.equal(truncate('abc', 0), '');
  assert.equal(oneLine('  a\n\n b\tc  ', 10), 'a b c');
  assert.equal(oneLine('one two three', 8), 'one two…');
});
