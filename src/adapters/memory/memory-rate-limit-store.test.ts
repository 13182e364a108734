import { describeRateLimitStoreContract } from "../../core/ports/rate-limit-store.contract.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";

describeRateLimitStoreContract("memory", async (clock) => createMemoryRateLimitStore({ clock }));
