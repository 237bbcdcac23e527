#!/usr/bin/env bash
# `npm test`: makes sure the system packages the tests need are there, then runs every test once.
# Extra arguments go to vitest (for example a file filter).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash infra/test/system-packages.sh
# The page tests drive the built pages.
npm run build --silent >/dev/null
mkdir -p .tmp
rm -rf .tmp/fatal-reports && mkdir -p .tmp/fatal-reports
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json "$@" || status=$?
# A test worker that died of a fatal error left a report: which test, what, and where.
node -e '
  const fs = require("fs");
  const dir = ".tmp/fatal-reports";
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const r = JSON.parse(fs.readFileSync(`${dir}/${name}`, "utf8"));
    console.log(`worker died: ${r.header.event} (${r.header.trigger}) in ${r.environmentVariables.RIDETRACK_CURRENT_TEST ?? "no test yet"}`);
    console.log((r.javascriptStack.stack || []).slice(0, 12).map((l) => `  ${l}`).join("\n"));
  }
' || true
# One closing line that any CI reads: "vitest: N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/vitest-report.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  for (const f of r.testResults) if (f.status !== "passed") console.log(`vitest: ${f.status}: ${f.name}: ${(f.message || "").slice(0, 300)}`);
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit "$status"
