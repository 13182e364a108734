// The caching index and status store answer exactly as the stores they wrap: the same
// contract suite runs through them (over the in-memory store here; over SQLite in the server).
import { describeStoreContract } from "../../core/ports/store.contract.js";
import { createMemoryStore } from "./memory-store.js";
import { createCachedIndex, createCachedStatuses } from "../../core/index/cached-index.js";

describeStoreContract("memory behind the caches", async () => {
  const store = createMemoryStore();
  return { ...store, index: createCachedIndex(store.index), statuses: createCachedStatuses(store.statuses) };
});
