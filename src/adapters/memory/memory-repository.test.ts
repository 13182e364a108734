import { describeDesiredStateRepositoryContract } from "../../core/ports/desired-state-repository.contract.js";
import { createMemoryRepository } from "./memory-repository.js";

describeDesiredStateRepositoryContract("memory", async () => createMemoryRepository({ clock: { now: () => new Date() } }));
