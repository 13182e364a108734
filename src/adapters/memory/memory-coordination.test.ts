import { systemClock } from "../system/system.js";
import { describeCoordinationContract } from "../../core/ports/coordination.contract.js";
import { createMemoryCoordinationSite } from "./memory-coordination.js";

describeCoordinationContract("memory", async () => {
  const site = createMemoryCoordinationSite({ clock: systemClock });
  return {
    async replica(id, options) {
      const replica = site.replica({ replicaId: id, ...(options?.lockTimeoutMs ? { lockTimeoutMs: options.lockTimeoutMs } : {}) });
      return { ...replica, crash: async () => replica.crash(), close: () => replica.leadership.release() };
    },
    close: async () => undefined,
  };
});
