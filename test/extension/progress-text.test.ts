import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartialAnswer } from '../../src/extension/progress-text';

test('the notification shows the partial answer itself, not a count', () => {
  const p = new PartialAnswer();
  assert.equal(p.message(), undefined, 'nothing before the first text');
  p.add('The first ');
  assert.equal(p.message(), 'The first ');
  p.add('half\nof  the answer');
  assert.equal(p.message(), 'The first half of the answer', 'one line, runs of white space as one space');
});

test('a long answer shows its newest characters after an ellipsis, and the buffer stays bounded', () => {
  const p = new PartialAnswer(20);
  for (let i = 0; i < 10_000; i++) p.add(`word${i} `);
  const m = p.message()!;
  assert.ok(m.startsWith('…'), m);
  assert.ok(m.endsWith('word9999 '), m);
  assert.equal(m.length, 21);
  assert.ok((p as unknown as { tail: string }).tail.length <= 80, 'only the tail is kept');
});

test('a retry starts the answer again and says which attempt it is', () => {
  const p = new PartialAnswer();
  p.step({ attempt: 1 });
  p.add('half an ans');
  p.step({ attempt: 2 });
  assert.equal(p.message(), 'attempt 2…');
  p.add('Fresh start');
  assert.equal(p.message(), 'attempt 2 · Fresh start');
});

test("an AOP server's progress messages are deltas; another server's message is shown as it is", () => {
  const aop = new PartialAnswer();
  aop.remote({ message: 'Hello ', _meta: { 'aop/step': { attempt: 1 } } });
  aop.remote({ message: 'world', _meta: { 'aop/step': { attempt: 1 } } });
  aop.remote({ _meta: { 'aop/step': { attempt: 1, turn: 2 } } });
  assert.equal(aop.message(), 'Hello world');
  const other = new PartialAnswer();
  other.remote({ message: 'Indexing 1/3' });
  other.remote({ message: 'Indexing 2/3' });
  assert.equal(other.message(), 'Indexing 2/3');
});
