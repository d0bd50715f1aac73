/**
 * Time as a dependency: app code asks the injected clock, never `new Date()`,
 * so tests can move time instead of sleeping.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
