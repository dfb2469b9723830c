#!/usr/bin/env node
// A tiny "agent" for the command provider: reads the task on stdin, answers on stdout.
// It needs no model server, so `aop serve examples/agents` works on a fresh machine.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const text = input.trim();
  const words = text.match(/[\p{L}\p{N}']+/gu) ?? [];
  const sentences = text.split(/(?<=[.!?])\s+/).filter(Boolean);
  const counts = new Map();
  for (const w of words) {
    const k = w.toLowerCase();
    if (k.length > 3) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
  const lines = [
    `Words: ${words.length}, sentences: ${sentences.length}, characters: ${text.length}.`,
    top.length ? `Most frequent: ${top.map(([w, n]) => `${w} (${n})`).join(', ')}.` : 'No frequent words.',
    sentences.length ? `First sentence: "${sentences[0]}"` : '',
  ];
  process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
});
