/** Entry point of a bench suite run as a child process: prints its result as one JSON line and exits. */
export function printResultAndExit(work: Promise<unknown>): void {
  work.then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
