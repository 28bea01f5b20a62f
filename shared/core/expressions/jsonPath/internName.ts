/**
 * The same text as a property-key string: engines keep one copy of each such string, so comparing it with another
 * (a literal, a key listed by `for…in`) is a pointer check rather than a character comparison. Only speed depends
 * on it; the text is unchanged.
 * @param name - a member name taken out of an expression's source text
 * @returns an equal string
 */
export function internName(name: string): string {
  const [key] = Object.keys({ [name]: true });
  return key ?? name;
}
