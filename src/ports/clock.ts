// Time is injected so that rules about dates (end-of-life in the future, token expiry) are testable
// without sleeping.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
