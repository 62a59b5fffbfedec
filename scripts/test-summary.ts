// Prints the closing line CI reads ("N passed, N failed") from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'test-artifacts/vitest-report.json'
if (!existsSync(file)) {
  console.log('0 passed, 1 failed')
  console.error(`no test report at ${file}: the test run did not complete`)
  process.exit(1)
}
const report = JSON.parse(readFileSync(file, 'utf8')) as {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  numFailedTestSuites: number
  success: boolean
}
// A file that fails to load has no failed test but is a failure all the same.
const failed =
  report.numFailedTests +
  (report.numFailedTests === 0 && !report.success ? Math.max(1, report.numFailedTestSuites) : 0)
const skipped = report.numPendingTests + report.numTodoTests
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
