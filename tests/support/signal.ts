/** A promise a test settles itself, to hold one async step until another has happened. */
export interface Signal {
  /** Resolves once {@link Signal.fire} is called. */
  readonly fired: Promise<void>;
  /** Resolves `fired` (again: no effect). */
  readonly fire: () => void;
}

/** A new {@link Signal}, not fired yet. */
export function signal(): Signal {
  let fire = (): void => undefined;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire: () => fire() };
}
