import { describeNoticeStoreContract } from "../../core/ports/notice-store.contract.js";
import { createMemoryNoticeStore } from "./memory-notice-store.js";

describeNoticeStoreContract("memory", async () => createMemoryNoticeStore());
