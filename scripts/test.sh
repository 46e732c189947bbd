#!/usr/bin/env bash
# The whole test suite, in two passes over one build: every suite in parallel, then the heavy
# end-to-end uploads (S3MultipartTests: 100 MiB through moto, SIGKILL and cancel) alone, so
# that their load on a 2-core machine does not stretch the timing of the tests beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --skip S3MultipartTests
swift test --skip-build --filter S3MultipartTests
