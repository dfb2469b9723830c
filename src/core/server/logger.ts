export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

/** The message of a thrown value, for a log line. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
