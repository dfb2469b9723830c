#!/usr/bin/env node
// Test agent for the `command` provider. Usage: node echo-agent.js [mode] [arg]
//   echo (default)  prints the AOP_* environment and the task read from stdin
//   fail <code>     writes to stderr and exits with <code>
//   hang            prints "pid <pid>" and waits forever
//   stubborn        like hang but ignores SIGTERM (only SIGKILL ends it)
//   family          spawns a grandchild that hangs, prints "pids <self> <grandchild>", then hangs
//   chunks          prints "one ", "two ", "three" with pauses, ignoring stdin
//   cwd             prints the working directory
'use strict';
const { spawn } = require('node:child_process');

const [mode = 'echo', arg] = process.argv.slice(2);

function readStdin() {
  return new Promise((resolve) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => (data += d));
    process.stdin.on('end', () => resolve(data));
  });
}

const forever = () => setInterval(() => {}, 1 << 30);

switch (mode) {
  case 'echo':
    readStdin().then((task) => {
      process.stdout.write(`system: ${process.env.AOP_SYSTEM_PROMPT}\n`);
      process.stdout.write(`model: ${process.env.AOP_MODEL}\n`);
      process.stdout.write(`agent: ${process.env.AOP_AGENT}\n`);
      process.stdout.write(`task: ${task}\n\n`);
    });
    break;
  case 'fail':
    readStdin().then(() => {
      process.stderr.write('x'.repeat(5000) + '\n');
      process.stderr.write('something went badly wrong\n');
      process.exit(Number(arg ?? 3));
    });
    break;
  case 'hang':
    process.stdout.write(`pid ${process.pid}\n`);
    forever();
    break;
  case 'stubborn':
    process.on('SIGTERM', () => {});
    process.stdout.write(`pid ${process.pid}\n`);
    forever();
    break;
  case 'family': {
    const child = spawn(process.execPath, [__filename, 'stubborn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => process.stdout.write(`pids ${process.pid} ${child.pid}\n`));
    forever();
    break;
  }
  case 'chunks': {
    const parts = ['one ', 'two ', 'three'];
    let i = 0;
    const next = () => {
      process.stdout.write(parts[i++]);
      if (i < parts.length) setTimeout(next, 30);
    };
    next();
    break;
  }
  case 'cwd':
    process.stdout.write(process.cwd());
    break;
  default:
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(2);
}
