import { describeStoreContract } from "../../core/ports/store.contract.js";
import { createMemoryStore } from "./memory-store.js";

describeStoreContract("memory", async () => createMemoryStore());
