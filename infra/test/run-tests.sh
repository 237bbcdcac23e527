#!/usr/bin/env bash
# `npm test`: makes sure the system packages the tests need are there, then runs every test once.
# Extra arguments go to vitest (for example a file filter).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash infra/test/system-packages.sh
# The page tests drive the built pages.
npm run build --silent >/dev/null
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json "$@" || status=$?
# One closing line that any CI reads: "vitest: N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/vitest-report.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit "$status"
