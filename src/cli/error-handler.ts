// The CLI edge: user errors print one line with what to do (exit 1); anything else is a bug and
// says so (exit 2). Stack traces only with --verbose. Secrets are scrubbed from everything printed.

import { redactUrl } from '../connectors/connection-url.ts';
import { isFerryError } from '../domain/errors.ts';

export function printError(error: unknown, options: { verbose: boolean; json: boolean }): number {
  const ferry = isFerryError(error) ? error : null;
  const user = ferry?.isUserError ?? false;
  const message = redactUrl(error instanceof Error ? error.message : String(error));
  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        type: 'error',
        code: ferry?.code ?? 'FERRY_INTERNAL',
        message,
        hint: ferry?.hint ?? null,
        details: ferry?.details ?? {},
      }) + '\n',
    );
  } else if (user && ferry !== null) {
    process.stderr.write(`ferry: ${message} — ${ferry.hint} [${ferry.code}]\n`);
  } else {
    process.stderr.write(
      `ferry: internal error: ${message} — this is a bug in Ferry; rerun with --verbose and report the output\n`,
    );
  }
  if (options.verbose && error instanceof Error) {
    let current: unknown = error;
    while (current instanceof Error) {
      process.stderr.write(redactUrl(current.stack ?? String(current)) + '\n');
      current = current.cause;
      if (current !== undefined) process.stderr.write('caused by: ');
    }
  }
  return user ? 1 : 2;
}
