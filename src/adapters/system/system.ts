import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Clock, Random, Timers } from "../../core/ports/clock.js";

export const systemClock: Clock = { now: () => new Date() };

/** Node's timers; background work alone never keeps the process alive (the server does). */
export const systemTimers: Timers = {
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Cryptographic randomness: generated passwords and tokens must not be guessable. */
export const cryptoRandom: Random = {
  int: (n) => randomInt(n),
  id: () => randomUUID(),
  secret(length) {
    // Rejection sampling keeps every character equally likely.
    let out = "";
    while (out.length < length) {
      for (const byte of randomBytes(length * 2)) {
        if (byte < 248 && out.length < length) out += ALPHABET[byte % ALPHABET.length];
      }
    }
    return out;
  },
};
