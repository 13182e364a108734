// Ends a test run with one plain line, `Tests: N passed, N failed, N skipped`, that any CI reads.
import type { Reporter, TestModule } from "vitest/node";

export class SummaryReporter implements Reporter {
  private line = "";

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    this.line = `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  }

  // The default reporter prints its summary in onFinished: print after it, as the last line.
  onFinished(): void {
    if (this.line) process.stdout.write(`\n${this.line}\n`);
  }
}
