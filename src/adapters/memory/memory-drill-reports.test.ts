import { describeDrillReportsContract } from "../../core/ports/drill-reports.contract.js";
import { createMemoryDrillReports } from "./memory-drill-reports.js";

describeDrillReportsContract("memory", async () => createMemoryDrillReports());
