/** Most characters of a mapping's text (an expression, a name) an error message quotes. */
export const MAX_QUOTED_CHARS = 2_000;

/**
 * A mapping's text quoted for an error message (`'$.a.b'`), cut after {@link MAX_QUOTED_CHARS} characters with a
 * note of how many were left out: a mapping may hold an expression of megabytes, and quoting it whole in each of a
 * message's errors would cost a megabyte each, in memory and in every log line and dead letter.
 * @param source - the expression or name as the mapping writes it
 */
export function quoteBounded(source: string): string {
  if (source.length <= MAX_QUOTED_CHARS) {
    return `'${source}'`;
  }
  const left = source.length - MAX_QUOTED_CHARS;
  return `'${source.slice(0, MAX_QUOTED_CHARS)}…' (${left} more characters)`;
}
