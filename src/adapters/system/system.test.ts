// The scheduler on Node's real timers passes the same contract as on the fake clock.
import { describeSchedulerContract } from "../../core/ports/scheduler.contract.js";
import { createScheduler } from "../../core/scheduler/scheduler.js";
import { silentLogger } from "../../core/ports/logger.js";
import { cryptoRandom, systemClock, systemTimers } from "./system.js";

describeSchedulerContract("real timers", () => ({
  scheduler: createScheduler({ clock: systemClock, timers: systemTimers, random: cryptoRandom, logger: silentLogger }),
  passTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
