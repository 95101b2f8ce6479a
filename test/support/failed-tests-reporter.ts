// Names every failed test (and every file that failed to load) in the last lines of a
// run, after vitest's own summary, so a red `npm test` says what failed even when the
// errors above it run to thousands of lines.
import path from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";

export default class FailedTestsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const failed: string[] = [];
    for (const module of modules) {
      const file = path.relative(process.cwd(), module.moduleId);
      const project = module.project.name;
      const tests = [...module.children.allTests()].filter((test) => test.result().state === "failed");
      for (const test of tests) failed.push(`  ${project} ${file} > ${test.fullName}`);
      if (tests.length === 0 && module.state() === "failed") failed.push(`  ${project} ${file} (the file failed)`);
    }
    for (const error of unhandledErrors) failed.push(`  unhandled error: ${error.message ?? String(error)}`);
    if (failed.length === 0) return;
    process.stdout.write(`\nFailed (${failed.length}):\n${failed.join("\n")}\n`);
  }
}
